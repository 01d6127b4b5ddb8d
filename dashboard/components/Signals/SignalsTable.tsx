import { Badge } from "@/components/ui/Badge";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { Num } from "@/components/ui/Num";
import type { MarketEvent } from "@/lib/api/types";
import { dateTime } from "@/lib/format";

function outcome(e: MarketEvent) {
  if (e.passed === true) return <Badge tone="ok">PASSED</Badge>;
  if (e.passed === false) return <Badge tone="fail">REJECTED</Badge>;
  return <Badge tone="muted">PENDING</Badge>;
}

function columns(tz: string, zone: string): ReadonlyArray<Column<MarketEvent>> {
  return [
    { key: "ts", label: `Time (${zone})`, render: (e) => <span className="num">{dateTime(e.ts, tz)}</span> },
    { key: "symbol", label: "Symbol", render: (e) => e.symbol },
    { key: "side", label: "Setup", render: (e) => (e.side === "LONG" ? "▲ LONG" : "▼ SHORT") },
    { key: "liq", label: "Liquidated USD", numeric: true, render: (e) => <Num value={e.liq_usd} digits={0} /> },
    { key: "vol", label: "Volume ×", numeric: true, render: (e) => <Num value={e.volume_mult} digits={2} unit="×" /> },
    { key: "spread", label: "Spread bps", numeric: true, render: (e) => <Num value={e.spread_bps} digits={2} /> },
    { key: "outcome", label: "Outcome", render: outcome },
    {
      key: "reason",
      label: "Reason / stage",
      wrap: true,
      render: (e) => (
        <span data-testid="signal-reason">
          {e.reason ? <strong>{e.reason}</strong> : <span className="muted">{e.stage}</span>}
          {e.detail ? <span className="muted small"> — {e.detail}</span> : null}
        </span>
      ),
    },
    { key: "setup", label: "Setup id", render: (e) => <span className="mono">{e.setup_id}</span> },
  ];
}

export function SignalsTable({ events, tz, zone }: { events: ReadonlyArray<MarketEvent>; tz: string; zone: string }) {
  return <DataTable columns={columns(tz, zone)} rows={events} rowKey={(e) => e.setup_id} empty="No setups match these filters." caption="Detected liquidation spikes" testId="signals-table" />;
}
