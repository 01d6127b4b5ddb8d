"use client";

import { Badge } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Num } from "@/components/ui/Num";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";
import type { Position } from "@/lib/api/types";
import { dateTime, duration } from "@/lib/format";

function OnePosition({ position, now, tz, zone }: { position: Position; now: number; tz: string; zone: string }) {
  const inTrade = position.opened_at ? (now - Date.parse(position.opened_at)) / 1000 : position.time_in_trade_s;
  return (
    <div data-testid="open-position">
      <p className="position-head">
        <strong>{position.symbol}</strong>{" "}
        <Badge tone={position.side === "LONG" ? "info" : "warn"}>{position.side === "LONG" ? "▲ LONG" : "▼ SHORT"}</Badge>{" "}
        <span className="num muted small">qty {position.qty}</span>
      </p>
      <dl className="stats">
        <Stat label="Entry">
          <Num value={position.entry_price} kind="price" unit="USDT" />
        </Stat>
        <Stat label="Unrealized PnL" note={position.side === "LONG" ? "at best bid, before exit fee" : "at best ask, before exit fee"}>
          {position.unrealized_pnl_usdt != null ? (
            <span data-testid="unrealized-pnl">
              <Num value={position.unrealized_pnl_usdt} unit="USDT" sign signed />
            </span>
          ) : (
            <span className="muted small unreported">no book ticker yet</span>
          )}
        </Stat>
        <Stat label="Mark" note={position.mark_at ? `as of ${dateTime(position.mark_at, tz)}` : undefined}>
          <Num value={position.mark_price} kind="price" unit="USDT" />
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
