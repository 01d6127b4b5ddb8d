import { Badge } from "@/components/ui/Badge";
import type { HealthCheck } from "@/lib/api/types";

/** The executor's named checks, failures first: each with what it saw and, when it failed, the fix. */
export function HealthChecks({ checks }: { checks: ReadonlyArray<HealthCheck> }) {
  if (checks.length === 0) return null;
  const failed = checks.filter((c) => !c.ok);
  const ordered = [...failed, ...checks.filter((c) => c.ok)];
  return (
    <>
      <div className={`small tone-text-${failed.length ? "fail" : "ok"}`} data-testid="health-summary">
        {failed.length ? `${failed.length} of ${checks.length} checks failed` : `all ${checks.length} checks passed`}
      </div>
      <ul className="checklist health-checks" data-testid="health-checks">
        {ordered.map((c, i) => (
          <li key={`${i}-${c.name}`} className={c.ok ? undefined : "check-failed"} data-testid="health-check" data-name={c.name} data-ok={c.ok}>
            <Badge tone={c.ok ? "ok" : "fail"}>{c.ok ? "OK" : "FAIL"}</Badge>
            <span className="title mono">{c.name}</span>
            <span className="evidence">{c.detail}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
