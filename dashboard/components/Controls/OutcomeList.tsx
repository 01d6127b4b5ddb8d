import { Badge, type Tone } from "@/components/ui/Badge";
import { dateTime } from "@/lib/format";
import type { Outcome } from "./actions";
import { HealthChecks } from "./HealthChecks";

const CONTROL_TONE: Record<string, Tone> = { accepted: "ok", refused: "fail", submitted: "info", duplicate: "muted" };
const CONTROL_NOTE: Record<string, string> = {
  accepted: "the governor accepted it",
  refused: "the governor refused it",
  submitted: "sent; the governor has not answered yet (check the status)",
  duplicate: "already done with this key",
};
const HEALTH_TONE: Record<string, Tone> = { ok: "ok", failed: "fail", timeout: "warn" };

function Body({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === "error") return <Badge tone="fail">FAILED</Badge>;
  if (outcome.kind === "control") {
    const s = outcome.result.status;
    return (
      <>
        <Badge tone={CONTROL_TONE[s] ?? "muted"}>{s.toUpperCase()}</Badge> <span className="small">{CONTROL_NOTE[s]}</span>
        {outcome.result.reason ? <div className="small">Reason: {outcome.result.reason}</div> : null}
      </>
    );
  }
  const r = outcome.report;
  return (
    <>
      <Badge tone={HEALTH_TONE[r.status] ?? "muted"}>{r.status.toUpperCase()}</Badge>
      {r.status === "timeout" ? <span className="small"> the executor did not answer in time</span> : null}
      <HealthChecks checks={r.checks} />
    </>
  );
}

/** What each button did, newest first, with the idempotency key it used. */
export function OutcomeList({ outcomes, tz }: { outcomes: ReadonlyArray<Outcome>; tz: string }) {
  if (outcomes.length === 0) return <p className="empty">No actions yet in this session.</p>;
  return (
    <ul className="checklist" data-testid="outcomes">
      {outcomes.map((o) => (
        <li key={o.key} data-testid="outcome" data-action={o.action}>
          <span className="num small">{dateTime(new Date(o.at).toISOString(), tz).slice(11)}</span>
          <span>
            <strong>{o.action}</strong> <Body outcome={o} />
            {o.kind === "error" ? <div className="small">{o.message}</div> : null}
            <div className="mono muted">key {o.key}</div>
          </span>
        </li>
      ))}
    </ul>
  );
}
