"use client";

import { useState } from "react";
import { Card } from "@/components/ui/Card";
import { Notice } from "@/components/ui/Notice";
import { Pager } from "@/components/ui/Pager";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import type { Trade, TradesQuery } from "@/lib/api/types";
import { zonedMidnight } from "@/lib/format";
import { FilterBar, type FilterValues } from "@/components/ui/FilterBar";
import { tradeFilterSpecs } from "./TradeFilters";
import { TradesTable } from "./TradesTable";

const PAGE = 25;

export function tradeQuery(f: FilterValues, tz: string): TradesQuery {
  const q: TradesQuery = {};
  const from = f.from ? zonedMidnight(f.from, tz) : undefined;
  const to = f.to ? zonedMidnight(f.to, tz, 1) : undefined;
  if (from) q.from = from;
  if (to) q.to = to;
  if (f.symbol) q.symbol = f.symbol as TradesQuery["symbol"];
  if (f.side) q.side = f.side as TradesQuery["side"];
  if (f.result) q.result = f.result as TradesQuery["result"];
  if (f.reason) q.reason = f.reason as TradesQuery["reason"];
  return q;
}

function exportHref(q: TradesQuery): string {
  const params = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
  return `/bff/export/trades?${params}`;
}

export function TradesView({ initial }: { initial: { data: Trade[]; count: number } | null }) {
  const { tz, zone } = useLive();
  const [filter, setFilter] = useState<FilterValues>({});
  const [offset, setOffset] = useState(0);
  const query = tradeQuery(filter, tz);
  const key = JSON.stringify({ query, offset });
  const { data, error, loading } = useLiveQuery(
    key,
    () => api.GET("/api/trades", { params: { query: { ...query, limit: PAGE, offset } } }),
    initial,
  );
  const change = (f: FilterValues) => {
    setFilter(f);
    setOffset(0);
  };
  return (
    <Card
      title="Trades"
      aside={
        <a className="btn btn-secondary" href={exportHref(query)} download data-testid="export-csv">
          Export CSV
        </a>
      }
    >
      <FilterBar specs={tradeFilterSpecs(zone)} value={filter} onChange={change} label="Trade filters" />
      {error ? <Notice tone="fail">{error}</Notice> : null}
      <div aria-busy={loading} data-testid="trades-count" data-count={data?.count ?? ""} className="muted small">
        {loading ? "Loading…" : `${data?.count ?? 0} trades`}
      </div>
      <TradesTable trades={data?.data ?? []} tz={tz} zone={zone} />
      <Pager offset={offset} limit={PAGE} count={data?.count ?? 0} onChange={setOffset} />
    </Card>
  );
}
