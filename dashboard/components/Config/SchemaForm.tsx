"use client";

import { Field } from "@/components/ui/Field";
import { classify, describeBounds, getAt, type Json, type JsonObject, type JsonSchema } from "@/lib/config-schema";
import { percent } from "@/lib/format";
import { isFraction, labelFor } from "./labels";
import { NumberInput } from "./NumberInput";

export interface FormProps {
  root: JsonSchema;
  value: JsonObject;
  errors: Record<string, string>;
  onChange: (path: string[], value: Json | undefined) => void;
}

const HIDDEN = new Set(["version"]);
const FIRST = ["feature_flags", "risk", "signal", "execution", "paper", "display", "retention"];

function rank(section: string): number {
  const i = FIRST.indexOf(section);
  return i === -1 ? FIRST.length : i;
}

function fieldId(path: string[]): string {
  return `cfg-${path.join("-")}`;
}

function hint(path: string, text: string, value: Json | undefined): string {
  const pct = isFraction(path) && typeof value === "number" ? ` (= ${percent(value, 3)} %)` : "";
  return `${text}${pct}`;
}

function Leaf({ root, schema, path, value, errors, onChange }: Omit<FormProps, "value"> & { schema: JsonSchema; path: string[]; value: Json | undefined }) {
  const kind = classify(root, schema);
  const key = path.join(".");
  const id = fieldId(path);
  const error = errors[key] ?? null;
  const describedBy = `${id}-${error ? "error" : "hint"}`;
  if (kind.kind === "boolean") {
    return (
      <div className={`field ${error ? "has-error" : ""}`}>
        <label className="check" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(path, e.target.checked)} />
          {labelFor(key)}
        </label>
        {error ? <p className="field-error" role="alert">✕ {error}</p> : null}
      </div>
    );
  }
  if (kind.kind === "enum") {
    return (
      <Field label={labelFor(key)} htmlFor={id} error={error}>
        <select id={id} value={String(value ?? "")} onChange={(e) => onChange(path, e.target.value)}>
          {kind.options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </Field>
    );
  }
  if (kind.kind === "enumList") {
    const chosen = Array.isArray(value) ? value.map(String) : [];
    return (
      <fieldset className={`field ${error ? "has-error" : ""}`} id={id}>
        <legend className="small">{labelFor(key)}</legend>
        <div className="actions">
          {kind.options.map((o) => (
            <label key={o} className="check" htmlFor={`${id}-${o}`}>
              <input
                id={`${id}-${o}`}
                type="checkbox"
                checked={chosen.includes(o)}
                onChange={(e) => onChange(path, e.target.checked ? kind.options.filter((x) => x === o || chosen.includes(x)) : chosen.filter((x) => x !== o))}
              />
              {o}
            </label>
          ))}
        </div>
        {error ? <p className="field-error" role="alert" data-testid={`error-${key}`}>✕ {error}</p> : null}
      </fieldset>
    );
  }
  if (kind.kind === "enumMap") {
    return (
      <fieldset className="form-grid span-all" id={id}>
        <legend className="small">{labelFor(key)}</legend>
        {errors[key] ? <p className="field-error" role="alert">✕ {errors[key]}</p> : null}
        {kind.keys.map((k) => (
          <Leaf key={k} root={root} schema={boundsSchema(kind.bounds)} path={[...path, k]} value={getAt(value, [k])} errors={errors} onChange={onChange} />
        ))}
      </fieldset>
    );
  }
  if (kind.kind === "number") {
    return (
      <Field label={labelFor(key)} htmlFor={id} error={error} hint={hint(key, describeBounds(kind.bounds) || "number", value)}>
        <NumberInput
          id={id}
          value={typeof value === "number" ? value : null}
          integer={kind.bounds.integer}
          min={kind.bounds.minExclusive ? undefined : kind.bounds.min}
          max={kind.bounds.maxExclusive ? undefined : kind.bounds.max}
          invalid={error !== null}
          describedBy={describedBy}
          onChange={(v) => onChange(path, v)}
        />
      </Field>
    );
  }
  return (
    <Field label={labelFor(key)} htmlFor={id} error={error}>
      <input id={id} value={String(value ?? "")} onChange={(e) => onChange(path, e.target.value)} />
    </Field>
  );
}

function boundsSchema(b: { integer: boolean; min?: number; minExclusive: boolean; max?: number; maxExclusive: boolean }): JsonSchema {
  return {
    type: b.integer ? "integer" : "number",
    ...(b.min !== undefined ? (b.minExclusive ? { exclusiveMinimum: b.min } : { minimum: b.min }) : {}),
    ...(b.max !== undefined ? (b.maxExclusive ? { exclusiveMaximum: b.max } : { maximum: b.max }) : {}),
  };
}

/** A fieldset per config section, top-level scalars under "General", feature flags first. */
export function SchemaForm({ root, value, errors, onChange }: FormProps) {
  const kind = classify(root, root);
  if (kind.kind !== "object") return null;
  const scalars = kind.properties.filter(([name, s]) => !HIDDEN.has(name) && classify(root, s).kind !== "object");
  const sections = kind.properties
    .filter(([, s]) => classify(root, s).kind === "object")
    .sort(([a], [b]) => rank(a) - rank(b));
  const fields = (props: Array<[string, JsonSchema]>, base: string[]) =>
    props.map(([name, s]) => <Leaf key={name} root={root} schema={s} path={[...base, name]} value={getAt(value, [...base, name])} errors={errors} onChange={onChange} />);
  return (
    <div className="stack">
      <fieldset className="form-grid" data-testid="cfg-general">
        <legend>{labelFor("general")}</legend>
        {fields(scalars, [])}
      </fieldset>
      {sections.map(([name, s]) => {
        const inner = classify(root, s);
        return inner.kind === "object" ? (
          <fieldset key={name} className="form-grid" data-testid={`cfg-${name}`}>
            <legend>{labelFor(name)}</legend>
            {fields(inner.properties, [name])}
          </fieldset>
        ) : null;
      })}
    </div>
  );
}
