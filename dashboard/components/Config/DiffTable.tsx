import type { Change, Json } from "@/lib/config-schema";

function show(v: Json | undefined): string {
  if (v === undefined) return "(absent)";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** What publishing would change, one row per field. */
export function DiffTable({ changes }: { changes: ReadonlyArray<Change> }) {
  if (changes.length === 0) return <p className="empty">No changes against the current version.</p>;
  return (
    <div className="table-wrap">
      <table className="table diff" data-testid="config-diff">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col" className="r">Current</th>
            <th scope="col" className="r">New</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.path}>
              <td data-label="Field" className="mono">{c.path}</td>
              <td data-label="Current" className="r num old">{show(c.before)}</td>
              <td data-label="New" className="r num new">{show(c.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
