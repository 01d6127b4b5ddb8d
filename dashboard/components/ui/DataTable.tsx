import type { ReactNode } from "react";

export interface Column<T> {
  key: string;
  label: string;
  numeric?: boolean;
  /** long text that may wrap; other cells stay on one line */
  wrap?: boolean;
  render: (row: T) => ReactNode;
}

interface Props<T> {
  columns: ReadonlyArray<Column<T>>;
  rows: ReadonlyArray<T>;
  rowKey: (row: T, index: number) => string;
  empty: string;
  caption?: string;
  testId?: string;
}

/** A table on desktop; on a phone each row becomes a labelled card (CSS reads data-label). */
export function DataTable<T>({ columns, rows, rowKey, empty, caption, testId }: Props<T>) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? "r" : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)}>
              {columns.map((c) => (
                <td key={c.key} data-label={c.label} className={[c.numeric ? "r" : "", c.wrap ? "wrap" : ""].join(" ").trim() || undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
