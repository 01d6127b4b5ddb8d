"use client";

import { Badge } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";
import { age, ageSeconds, dateTime } from "@/lib/format";
import { heartbeatTone, statusView } from "@/lib/status";

export function StatusCard({ mode }: { mode: string | null }) {
  const { state, now, tz, zone } = useLive();
  const view = statusView(state?.status);
  const beat = ageSeconds(state?.heartbeat_at, now);
  const online = state?.processes.filter((p) => p.online).length ?? 0;
  return (
    <Card title="Bot status" aside={mode ? <Badge tone={mode === "live" ? "warn" : "info"}>{mode.toUpperCase()}</Badge> : null} testId="status-card">
      <div className="hero">
        <div>
          <div className={`status-word tone-text-${view.tone}`} data-testid="bot-status">
            {view.word}
          </div>
          <div className="muted small">
            {state?.status ?? "—"} · {state?.status_cause || view.detail}
          </div>
        </div>
        <Badge tone={heartbeatTone(beat)} title="last governor heartbeat">
          <span data-testid="heartbeat-age">♥ {age(state?.heartbeat_at, now)}</span>
        </Badge>
      </div>
      <dl className="stats gap-above">
        <Stat label="Heartbeat" note={zone}>
          <span className="num small">{dateTime(state?.heartbeat_at, tz)}</span>
        </Stat>
        <Stat label="In this state since" note={zone}>
          <span className="num small">{dateTime(state?.status_since, tz)}</span>
        </Stat>
        <Stat label="Processes online">
          <span className="num">
            {online} / {state?.processes.length ?? 0}
          </span>
        </Stat>
        <Stat label="Last error">
          <span className="small">{state?.last_error ? `${age(state.last_error.at, now)}` : "none"}</span>
        </Stat>
      </dl>
    </Card>
  );
}
