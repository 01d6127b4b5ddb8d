import { Badge } from "@/components/ui/Badge";
import type { ServerCheck } from "./useConfigCheck";
import { percent } from "@/lib/format";

/** The server's view of the draft: valid or not, and the effective risk once the margin cap applies. */
export function CheckSummary({ server, localErrors }: { server: ServerCheck; localErrors: number }) {
  const { check, errors, pending } = server;
  const state = localErrors > 0 || errors.length > 0 ? "fail" : check ? "ok" : "muted";
  return (
    <div className="actions small" data-testid="config-check" data-state={pending ? "pending" : state}>
      <Badge tone={state}>{pending ? "CHECKING…" : state === "fail" ? "INVALID" : state === "ok" ? "VALID" : "NOT CHECKED"}</Badge>
      {localErrors + errors.length > 0 ? <span>{localErrors + errors.length} problem(s) — see the fields marked ✕</span> : null}
      {check ? (
        <span className="num">
          effective risk/trade {percent(check.effective_risk_pct, 3)} % · margin needed {percent(check.margin_needed_pct, 1)} % · active{" "}
          {check.active_symbols.join(", ")}
        </span>
      ) : null}
    </div>
  );
}
