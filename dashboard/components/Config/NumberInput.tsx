"use client";

import { useEffect, useState } from "react";

interface Props {
  id: string;
  value: number | null | undefined;
  integer: boolean;
  min?: number;
  max?: number;
  invalid: boolean;
  describedBy: string;
  onChange: (value: number | null) => void;
}

/** Keeps what the user typed ("0.00" on the way to "0.0025") while reporting the parsed number. */
export function NumberInput({ id, value, integer, min, max, invalid, describedBy, onChange }: Props) {
  const [text, setText] = useState(value === null || value === undefined ? "" : String(value));
  useEffect(() => {
    setText((current) => (current !== "" && Number(current) === value ? current : value === null || value === undefined ? "" : String(value)));
  }, [value]);
  return (
    <input
      id={id}
      type="number"
      inputMode={integer ? "numeric" : "decimal"}
      step={integer ? 1 : "any"}
      min={min}
      max={max}
      value={text}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => {
        setText(e.target.value);
        const trimmed = e.target.value.trim();
        onChange(trimmed === "" ? null : Number(trimmed));
      }}
    />
  );
}
