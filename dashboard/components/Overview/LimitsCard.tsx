"use client";

import { Badge, type Tone } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Num } from "@/components/ui/Num";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";
import { dateTime, toNumber } from "@/lib/format";

interface Limits {
  maxTrades: number | null;
  maxLosses: number | null;
  dailyLossPct: number | null;
}

function left(remaining: number | null, limit: number | null): Tone {
  if (remaining === null || limit === null || limit <= 0) return "muted";
  if (remaining <= 0) return "fail";
  return remaining / limit <= 1 / 3 ? "warn" : "ok";
}

const WORD: Record<Tone, string> = { ok: "ok", warn: "near", fail: "hit", info: "", muted: "n/a" };

/** How far each hard limit is from tripping, with a word for near/hit. */
export function LimitsCard({ limits }: { limits: Limits }) {
  const { metrics, state, tz, zone } = useLive();
  const startEquity = toNumber(state?.heartbeat?.day_start_equity);
  const lossLimit = startEquity !== null && limits.dailyLossPct !== null ? startEquity * limits.dailyLossPct : null;
  const lossLeft = toNumber(metrics?.daily_loss_remaining_usdt);
  const tradesLeft = metrics?.trades_left ?? null;
  const streak = metrics?.consecutive_losses ?? null;
  const lossTone = left(lossLeft, lossLimit);
  const tradeTone = left(tradesLeft, limits.maxTrades);
  const streakTone = left(streak === null || limits.maxLosses === null ? null : limits.maxLosses - streak, limits.maxLosses);
  return (
    <Card title="Risk limits" aside={metrics ? `from ${metrics.limits_source}` : null} testId="limits-card">
      <dl className="stats">
        <Stat label="Daily loss left" testId="loss-left" note={lossLimit !== null ? <>of <Num value={lossLimit} unit="USDT" /></> : null}>
          <Num value={lossLeft} unit="USDT" /> <Badge tone={lossTone}>{WORD[lossTone]}</Badge>
        </Stat>
        <Stat label="Trades left" testId="trades-left" note={limits.maxTrades !== null ? `of ${limits.maxTrades} per day` : null}>
          <span className="num">{tradesLeft ?? "—"}</span> <Badge tone={tradeTone}>{WORD[tradeTone]}</Badge>
        </Stat>
        <Stat label="Consecutive losses" testId="loss-streak" note={limits.maxLosses !== null ? `pause at ${limits.maxLosses}` : null}>
          <span className="num">{streak ?? "—"}</span> <Badge tone={streakTone}>{WORD[streakTone]}</Badge>
        </Stat>
        <Stat label="Paused until" testId="pause-until" note={metrics?.pause_until ? zone : null}>
          <span className="num small">{metrics?.pause_until ? dateTime(metrics.pause_until, tz) : "not paused"}</span>
        </Stat>
      </dl>
    </Card>
  );
}
