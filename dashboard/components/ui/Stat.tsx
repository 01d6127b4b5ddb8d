import type { ReactNode } from "react";

/** A label over a value, with an optional small note under it. */
export function Stat({ label, children, note, testId }: { label: string; children: ReactNode; note?: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <div className="stat-value">{children}</div>
        {note ? <div className="stat-note">{note}</div> : null}
      </dd>
    </div>
  );
}
