"use client";

import { useState } from "react";
import { Card } from "@/components/ui/Card";
import { FilterBar, SIDE_OPTIONS, SYMBOL_OPTIONS, dateSpecs, type FilterSpec, type FilterValues } from "@/components/ui/FilterBar";
import { Notice } from "@/components/ui/Notice";
import { Pager } from "@/components/ui/Pager";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import type { EventsQuery, MarketEvent } from "@/lib/api/types";
import { zonedMidnight } from "@/lib/format";
import { SignalsTable } from "./SignalsTable";

const PAGE = 25;
const REASONS = [
  "volume", "no_exhaustion", "spread", "stale_book", "cooldown", "paused", "not_running", "daily_loss_limit",
  "max_trades", "loss_streak_pause", "position_open", "below_min_notional", "symbol_disabled", "feed_stale",
  "momentum", "superseded", "no_equity", "no_filters",
] as const;

function specs(tz: string): FilterSpec[] {
  return [
    ...dateSpecs(tz),
    { key: "symbol", label: "Symbol", type: "select", options: SYMBOL_OPTIONS },
    { key: "side", label: "Setup side", type: "select", options: SIDE_OPTIONS },
    { key: "passed", label: "Outcome", type: "select", options: [["", "All outcomes"], ["true", "Passed"], ["false", "Rejected"]] },
    { key: "reason", label: "Rejection reason", type: "select", options: [["", "Any reason"], ...REASONS.map((r) => [r, r] as const)] },
  ];
}

function eventsQuery(f: FilterValues, tz: string): EventsQuery {
  const q: EventsQuery = {};
  if (f.from) q.from = zonedMidnight(f.from, tz);
  if (f.to) q.to = zonedMidnight(f.to, tz, 1);
  if (f.symbol) q.symbol = f.symbol as EventsQuery["symbol"];
  if (f.side) q.side = f.side as EventsQuery["side"];
  if (f.passed) q.passed = f.passed === "true";
  if (f.reason) q.reason = f.reason as EventsQuery["reason"];
  return q;
}

export function SignalsView({ initial }: { initial: { data: MarketEvent[]; count: number } | null }) {
  const { tz, zone } = useLive();
  const [filter, setFilter] = useState<FilterValues>({});
  const [offset, setOffset] = useState(0);
  const query = eventsQuery(filter, tz);
  const { data, error, loading } = useLiveQuery(
    JSON.stringify({ query, offset }),
    () => api.GET("/api/events", { params: { query: { ...query, limit: PAGE, offset } } }),
    initial,
  );
  return (
    <Card title="Signals / market events">
      <FilterBar specs={specs(zone)} value={filter} onChange={(f) => (setFilter(f), setOffset(0))} label="Signal filters" />
      {error ? <Notice tone="fail">{error}</Notice> : null}
      <div className="muted small" aria-busy={loading} data-testid="signals-count">
        {loading ? "Loading…" : `${data?.count ?? 0} setups`}
      </div>
      <SignalsTable events={data?.data ?? []} tz={tz} zone={zone} />
      <Pager offset={offset} limit={PAGE} count={data?.count ?? 0} onChange={setOffset} />
    </Card>
  );
}
