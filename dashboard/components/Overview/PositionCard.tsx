"use client";

import { Badge } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Num } from "@/components/ui/Num";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";
import type { Position } from "@/lib/api/types";
import { dateTime, duration } from "@/lib/format";

/** The API may add a mark-to-market field; until it does, say so rather than show a guess. */
type WithUnrealized = Position & { unrealized_pnl_usdt?: string | null };

function OnePosition({ position, now, tz, zone }: { position: WithUnrealized; now: number; tz: string; zone: string }) {
  const inTrade = position.opened_at ? (now - Date.parse(position.opened_at)) / 1000 : position.time_in_trade_s;
  return (
    <div data-testid="open-position">
      <p style={{ margin: "0 0 0.6rem" }}>
        <strong>{position.symbol}</strong>{" "}
        <Badge tone={position.side === "LONG" ? "info" : "warn"}>{position.side === "LONG" ? "▲ LONG" : "▼ SHORT"}</Badge>{" "}
        <span className="num muted small">qty {position.qty}</span>
      </p>
      <dl className="stats">
        <Stat label="Entry">
          <Num value={position.entry_price} kind="price" unit="USDT" />
        </Stat>
        <Stat label="Unrealized PnL">
          {position.unrealized_pnl_usdt !== undefined ? (
            <Num value={position.unrealized_pnl_usdt} unit="USDT" sign signed />
          ) : (
            <span className="muted small unreported">not reported by the API</span>
          )}
        </Stat>
        <Stat label="Stop loss">
          <Num value={position.stop_price} kind="price" unit="USDT" />
        </Stat>
        <Stat label="Take profit">
          <Num value={position.take_profit_price} kind="price" unit="USDT" />
        </Stat>
        <Stat label="Time in trade">
          <span className="num">{duration(inTrade)}</span>
        </Stat>
        <Stat label="Time stop at" note={zone}>
          <span className="num small">{dateTime(position.time_stop_at, tz)}</span>
        </Stat>
      </dl>
    </div>
  );
}

export function PositionCard() {
  const { state, now, tz, zone } = useLive();
  const positions = state?.open_positions ?? [];
  return (
    <Card
      title="Open position"
      aside={<Badge tone={positions.length > 1 ? "fail" : positions.length ? "info" : "ok"}>{positions.length ? `${positions.length} open` : "flat"}</Badge>}
      testId="position-card"
    >
      {positions.length === 0 ? (
        <p className="empty" data-testid="no-position">No open position.</p>
      ) : (
        <div className="stack">
          {positions.map((p) => (
            <OnePosition key={p.setup_id} position={p} now={now} tz={tz} zone={zone} />
          ))}
        </div>
      )}
    </Card>
  );
}
