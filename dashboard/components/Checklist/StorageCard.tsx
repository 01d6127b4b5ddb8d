import { Card } from "@/components/ui/Card";
import { DataTable, type Column } from "@/components/ui/DataTable";
import type { StorageReport } from "@/lib/api/types";
import { bytes } from "@/lib/format";
import { FAMILY, familyRows, keptLabel, prunedText, storedText, type FamilyRow } from "./storage";

const count = new Intl.NumberFormat("en-US");

function columns(windowDays: number): ReadonlyArray<Column<FamilyRow>> {
  return [
    { key: "family", label: "Events", render: (r) => FAMILY[r.family] ?? r.family },
    { key: "kept", label: "Kept", render: (r) => keptLabel(r.kept, windowDays) },
    { key: "today", label: "Rows today (UTC)", numeric: true, render: (r) => count.format(r.today) },
    { key: "week", label: "Rows, 7 days", numeric: true, render: (r) => count.format(r.week) },
    { key: "bytes", label: "Size, 7 days", numeric: true, render: (r) => bytes(r.weekBytes) },
    { key: "note", label: "Note", wrap: true, render: (r) => r.note },
  ];
}

/** The database's size, the audit log's growth and retention per event family, what each tier holds and how
 *  far the prune has gone: growth is seen before it hurts, and what a replay can still read is plain. */
export function StorageCard({ report }: { report: StorageReport | null }) {
  const retention = report?.retention;
  return (
    <Card title="Storage" testId="storage-card">
      {report && retention ? (
        <>
          <p className="small" data-testid="storage-total">
            Database {bytes(report.database_bytes)}; the event log {bytes(report.tables.events ?? 0)} with its indexes.
          </p>
          <DataTable
            columns={columns(retention.replay_window_days)}
            rows={familyRows(report)}
            rowKey={(r) => r.family}
            empty="No events yet."
            caption="Event families: retention and growth"
            testId="storage-families"
          />
          <p className="small" data-testid="storage-retention">
            {storedText(retention)}
          </p>
          <p className="small" data-testid="storage-pruned">
            {prunedText(retention)}
          </p>
          <p className="muted small">
            Kept &ldquo;{retention.replay_window_days} days&rdquo;: the window tier, today and the{" "}
            {retention.replay_window_days} whole UTC days before it (Config → Retention), then dropped by the prune but
            for one heartbeat an hour. Sizes are the stored envelopes; the event log&apos;s indexes (and the kept tier&apos;s
            JSON copy) come on top.
          </p>
        </>
      ) : (
        <p className="empty">Storage figures are unavailable.</p>
      )}
    </Card>
  );
}
