"use client";

import { Button } from "./Button";

interface Props {
  offset: number;
  limit: number;
  count: number;
  onChange: (offset: number) => void;
}

export function Pager({ offset, limit, count, onChange }: Props) {
  const first = count === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, count);
  return (
    <nav className="pager" aria-label="Pages">
      <Button onClick={() => onChange(Math.max(0, offset - limit))} disabled={offset === 0}>
        ← Newer
      </Button>
      <span className="num" aria-live="polite">
        {first}–{last} of {count}
      </span>
      <Button onClick={() => onChange(offset + limit)} disabled={last >= count}>
        Older →
      </Button>
    </nav>
  );
}
