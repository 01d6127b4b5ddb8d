"use client";

import { Field } from "./Field";

export type FilterSpec =
  | { key: string; label: string; type: "date" }
  | { key: string; label: string; type: "search"; placeholder?: string }
  | { key: string; label: string; type: "select"; options: ReadonlyArray<readonly [string, string]> };

export type FilterValues = Record<string, string>;

/** A row of filters; every value is a string and "" means "any". */
export function FilterBar({ specs, value, onChange, label }: { specs: ReadonlyArray<FilterSpec>; value: FilterValues; onChange: (v: FilterValues) => void; label: string }) {
  return (
    <form className="filters" aria-label={label} onSubmit={(e) => e.preventDefault()}>
      {specs.map((spec) => {
        const id = `f-${spec.key}`;
        const set = (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => onChange({ ...value, [spec.key]: e.target.value });
        return (
          <Field key={spec.key} label={spec.label} htmlFor={id}>
            {spec.type === "select" ? (
              <select id={id} value={value[spec.key] ?? ""} onChange={set}>
                {spec.options.map(([v, text]) => (
                  <option key={v} value={v}>
                    {text}
                  </option>
                ))}
              </select>
            ) : (
              <input id={id} type={spec.type} value={value[spec.key] ?? ""} onChange={set} placeholder={spec.type === "search" ? spec.placeholder : undefined} />
            )}
          </Field>
        );
      })}
    </form>
  );
}

export const SYMBOL_OPTIONS = [["", "All symbols"], ["BTCUSDT", "BTCUSDT"], ["ETHUSDT", "ETHUSDT"], ["SOLUSDT", "SOLUSDT"]] as const;
export const SIDE_OPTIONS = [["", "Both sides"], ["LONG", "Long"], ["SHORT", "Short"]] as const;

export function dateSpecs(tz: string): FilterSpec[] {
  return [
    { key: "from", label: `From (${tz})`, type: "date" },
    { key: "to", label: `To, inclusive (${tz})`, type: "date" },
  ];
}
