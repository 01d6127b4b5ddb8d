import { DataTable, type Column } from "@/components/ui/DataTable";
import { Num } from "@/components/ui/Num";
import type { Trade } from "@/lib/api/types";
import { dateTime, duration } from "@/lib/format";
import { FeesCell } from "./FeesCell";

function columns(tz: string, zone: string): ReadonlyArray<Column<Trade>> {
  return [
    { key: "timestamp", label: `Closed (${zone})`, render: (t) => <span className="num">{dateTime(t.timestamp, tz)}</span> },
    { key: "symbol", label: "Symbol", render: (t) => t.symbol },
    { key: "side", label: "Side", render: (t) => (t.side === "LONG" ? "▲ LONG" : "▼ SHORT") },
    { key: "entry", label: "Entry", numeric: true, render: (t) => <Num value={t.entry} kind="price" /> },
    { key: "exit", label: "Exit", numeric: true, render: (t) => <Num value={t.exit} kind="price" /> },
    { key: "pnl_usdt", label: "PnL USDT", numeric: true, render: (t) => <Num value={t.pnl_usdt} sign signed digits={2} /> },
    { key: "pnl_pct", label: "PnL %", numeric: true, render: (t) => <Num value={t.pnl_pct} kind="percent" sign signed digits={3} /> },
    { key: "duration", label: "Duration", numeric: true, render: (t) => <span className="num">{duration(t.duration_s)}</span> },
    { key: "fees", label: "Fees USDT", numeric: true, render: (t) => <FeesCell trade={t} /> },
    { key: "funding", label: "Funding USDT", numeric: true, render: (t) => <Num value={t.funding_usdt} sign signed digits={4} /> },
    { key: "slippage", label: "Slippage bps", numeric: true, render: (t) => <Num value={t.slippage_est} digits={2} /> },
    { key: "reason", label: "Exit", render: (t) => t.reason },
    { key: "setup", label: "Setup id", render: (t) => <span className="mono">{t.setup_id}</span> },
  ];
}

export function TradesTable({ trades, tz, zone }: { trades: ReadonlyArray<Trade>; tz: string; zone: string }) {
  return (
    <DataTable
      columns={columns(tz, zone)}
      rows={trades}
      rowKey={(t) => `${t.setup_id}-${t.timestamp}`}
      empty="No trades match these filters."
      caption="Closed trades, newest first"
      testId="trades-table"
    />
  );
}
