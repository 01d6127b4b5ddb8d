import { Card } from "@/components/ui/Card";
import { DataTable, type Column } from "@/components/ui/DataTable";
import type { StorageReport } from "@/lib/api/types";

/** What a family of events is, in the operator's words. */
const FAMILY: Record<string, string> = {
  decisions: "Decisions and money",
  liquidations: "Liquidations",
  closed_klines: "Closed candles",
  book_tickers: "Book tickers",
  forming_klines: "Forming candles",
  heartbeats: "Heartbeats",
  logs_warning: "Logs, warning and above",
  logs_info: "Logs, info",
  undecoded: "Undecoded",
};

interface FamilyRow {
  family: string;
  today: number;
  week: number;
  weekBytes: number;
}

export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

const count = new Intl.NumberFormat("en-US");

function rows(report: StorageReport): FamilyRow[] {
  const today = report.days[0]?.day;
  const byFamily = new Map<string, FamilyRow>();
  for (const d of report.days) {
    const row = byFamily.get(d.family) ?? { family: d.family, today: 0, week: 0, weekBytes: 0 };
    row.week += d.rows;
    row.weekBytes += d.raw_bytes;
    if (d.day === today) row.today += d.rows;
    byFamily.set(d.family, row);
  }
  return [...byFamily.values()].sort((a, b) => b.weekBytes - a.weekBytes);
}

const COLUMNS: ReadonlyArray<Column<FamilyRow>> = [
  { key: "family", label: "Events", render: (r) => FAMILY[r.family] ?? r.family },
  { key: "today", label: "Rows today (UTC)", numeric: true, render: (r) => count.format(r.today) },
  { key: "week", label: "Rows, 7 days", numeric: true, render: (r) => count.format(r.week) },
  { key: "bytes", label: "Size, 7 days", numeric: true, render: (r) => bytes(r.weekBytes) },
];

/** The database's size and the audit log's growth per event family: growth is seen before it hurts. */
export function StorageCard({ report }: { report: StorageReport | null }) {
  return (
    <Card title="Storage" testId="storage-card">
      {report ? (
        <>
          <p className="small" data-testid="storage-total">
            Database {bytes(report.database_bytes)}; the event log {bytes(report.tables.events ?? 0)} with its indexes.
          </p>
          <DataTable columns={COLUMNS} rows={rows(report)} rowKey={(r) => r.family} empty="No events yet." testId="storage-families" />
          <p className="muted small">Sizes are the stored envelopes; the event log&apos;s indexes and JSON copy come on top.</p>
        </>
      ) : (
        <p className="empty">Storage figures are unavailable.</p>
      )}
    </Card>
  );
}
