/** The Storage card's figures: event families with their retention, what the tiers hold, what was pruned. */
import type { FamilyRetention, Retention, StorageReport } from "@/lib/api/types";
import { bytes, dateTime } from "@/lib/format";

/** What a family of events is, in the operator's words. */
export const FAMILY: Record<string, string> = {
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

/** The table the prune dropped last when a database still had its events from before partitioning. */
const LEGACY = "events_legacy";
const DAY_MS = 86_400_000;
const count = new Intl.NumberFormat("en-US");

export interface FamilyRow {
  family: string;
  kept: FamilyRetention["kept"] | null; // null: a family the policy does not name (a newer projector)
  note: string;
  today: number;
  week: number;
  weekBytes: number;
}

/** "for good", or the replay window in days. */
export function keptLabel(kept: FamilyRow["kept"], windowDays: number): string {
  if (kept === "window") return `${windowDays} days`;
  return kept ?? "—";
}

/** Every family of the policy, and any other one with volume, the biggest growth first. */
export function familyRows(report: StorageReport): FamilyRow[] {
  const today = report.days[0]?.day;
  const byFamily = new Map<string, FamilyRow>();
  for (const f of report.retention.families) {
    byFamily.set(f.family, { family: f.family, kept: f.kept, note: f.note, today: 0, week: 0, weekBytes: 0 });
  }
  for (const d of report.days) {
    const row = byFamily.get(d.family) ?? { family: d.family, kept: null, note: "", today: 0, week: 0, weekBytes: 0 };
    row.week += d.rows;
    row.weekBytes += d.raw_bytes;
    if (d.day === today) row.today += d.rows;
    byFamily.set(d.family, row);
  }
  return [...byFamily.values()].sort((a, b) => b.weekBytes - a.weekBytes); // stable: policy order on ties
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** What the two tiers (and the table from before partitioning) hold now. Today is the API's UTC day. */
export function storedText(r: Retention): string {
  const today = addDays(r.keep_from, r.replay_window_days);
  const stored = r.window.filter((w) => w.day <= today);
  const ahead = r.window.length - stored.length;
  const windowBytes = bytes(r.window.reduce((sum, w) => sum + w.bytes, 0));
  const first = stored[0];
  const last = stored[stored.length - 1];
  const span = !first || !last ? "no day yet" : first === last ? `1 day, ${first.day}` : `${stored.length} days, ${first.day} → ${last.day}`;
  const made = ahead > 0 ? ` (and ${ahead} made ahead)` : "";
  const legacy = r.legacy_bytes === null ? "" : `; pre-partitioning table ${bytes(r.legacy_bytes)}, dropped once it has aged out`;
  return `Stored now: window tier ${span}${made}, ${windowBytes}; kept tier ${bytes(r.kept_bytes)}${legacy}.`;
}

/** How far the prune has gone, and its latest drop. */
export function prunedText(r: Retention): string {
  const next = `Days before ${r.keep_from} go at the next prune (hourly).`;
  const latest = r.prunes[0];
  if (r.pruned_through === null || !latest) return `Nothing pruned yet. ${next}`;
  const what = latest.relation === LEGACY ? `the pre-partitioning table (through ${latest.day})` : latest.day;
  const heartbeats = latest.heartbeats_kept > 0 ? `, ${count.format(latest.heartbeats_kept)} heartbeats kept` : "";
  return (
    `Pruned through ${r.pruned_through}: a replay from the database starts after it. ` +
    `Latest prune: ${what}, ${count.format(latest.rows)} rows, ${bytes(latest.bytes)}${heartbeats}, ` +
    `at ${dateTime(latest.pruned_at, "UTC", false)} UTC. ${next}`
  );
}
