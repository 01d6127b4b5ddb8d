"use client";

import { useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { useLive } from "@/components/Live/LiveProvider";
import { statusView } from "@/lib/status";
import { runHealthCheck, sendControl, type ControlName, type Outcome } from "./actions";
import { OutcomeList } from "./OutcomeList";

export function ControlsView() {
  const { state, tz, refresh } = useLive();
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const view = statusView(state?.status);
  const open = state?.open_positions.length ?? 0;

  async function run(label: string, act: () => Promise<Outcome>) {
    setBusy(label);
    const outcome = await act();
    setOutcomes((list) => [outcome, ...list].slice(0, 20));
    setBusy(null);
    setConfirming(false);
    refresh();
  }
  const control = (name: ControlName, label: string) => () => run(label, () => sendControl(name, label, reason));

  return (
    <div className="grid">
      <Card title="Trading" aside={<Badge tone={view.tone}>{view.word}</Badge>} testId="controls-card">
        <p className="muted small flush-top">
          Every action is sent once with a fresh idempotency key and audit-logged; the governor decides.
        </p>
        <Field label="Reason (optional, for pause and flatten)" htmlFor="reason">
          <input id="reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <div className="actions gap-above">
          <Button variant="primary" onClick={control("pause", "Pause")} disabled={busy !== null}>
            ❚❚ Pause
          </Button>
          <Button onClick={control("resume", "Resume")} disabled={busy !== null}>
            ▶ Resume
          </Button>
          <Button onClick={control("reset-daily", "Reset daily counters")} disabled={busy !== null}>
            Reset daily counters
          </Button>
          <Button onClick={() => run("Health check", runHealthCheck)} disabled={busy !== null}>
            Run health check
          </Button>
        </div>
        {busy ? <p className="small" role="status">{busy}: waiting for the answer…</p> : null}
      </Card>
      <Card title="Emergency flatten" aside={<span>{open ? `${open} open position` : "no open position"}</span>} testId="flatten-card">
        <p className="small flush-top">
          Cancels every open order and closes every position at market, now.
        </p>
        {confirming ? (
          <div className="notice tone-fail" role="alertdialog" aria-label="Confirm flatten">
            <p className="flush-top">
              <strong>Close everything at market?</strong> This cannot be undone.
            </p>
            <div className="actions">
              <Button variant="danger" onClick={control("flatten", "Flatten")} disabled={busy !== null}>
                Yes, flatten now
              </Button>
              <Button onClick={() => setConfirming(false)}>Cancel</Button>
            </div>
          </div>
        ) : (
          <Button variant="danger" onClick={() => setConfirming(true)} disabled={busy !== null}>
            Emergency flatten…
          </Button>
        )}
      </Card>
      <Card title="Results" testId="results-card">
        <OutcomeList outcomes={outcomes} tz={tz} />
      </Card>
    </div>
  );
}
