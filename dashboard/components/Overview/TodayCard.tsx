"use client";

import { Card } from "@/components/ui/Card";
import { Num } from "@/components/ui/Num";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";
import { dateTime, duration, percent, zoneName } from "@/lib/format";

/** Today's numbers, and exactly which day "today" is. */
export function TodayCard() {
  const { metrics, now } = useLive();
  if (!metrics) return <Card title="Today">{<p className="empty">No metrics yet.</p>}</Card>;
  const zone = zoneName(metrics.tz, new Date(now));
  const resetsIn = (Date.parse(metrics.day_end) - now) / 1000;
  return (
    <Card title="Today" aside={<span data-testid="day-boundary">{metrics.day} · {metrics.tz}</span>} testId="today-card">
      <dl className="stats">
        <Stat label="PnL today" testId="pnl-today">
          <Num value={metrics.pnl_usdt} unit="USDT" sign signed />
        </Stat>
        <Stat label="Max drawdown today" testId="drawdown-today">
          <Num value={metrics.max_drawdown_usdt} unit="USDT" />
        </Stat>
        <Stat label="Trades" note={metrics.win_rate === null ? "no closed trades" : `win rate ${percent(metrics.win_rate, 0)} %`}>
          <span className="num">
            {metrics.trades} <span className="unit">({metrics.wins} W / {metrics.losses} L)</span>
          </span>
        </Stat>
        <Stat label="Day boundary" note={`${zone}; resets in ${duration(resetsIn)}`}>
          <span className="num small">
            {dateTime(metrics.day_start, metrics.tz, false).slice(11)}–24:00 {zone}
          </span>
        </Stat>
      </dl>
    </Card>
  );
}
