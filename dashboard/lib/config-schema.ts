/**
 * Reads the BotConfig JSON Schema (generated into openapi.json by `npm run gen:api`) for the config form:
 * which control each field gets, its bounds, local validation, and the diff between two configs.
 * The server's POST /api/config/validate stays the authority; this only catches the obvious early.
 */

export type Bound = number | string;

export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  minItems?: number;
  minimum?: Bound;
  maximum?: Bound;
  exclusiveMinimum?: Bound;
  exclusiveMaximum?: Bound;
  ge?: Bound;
  gt?: Bound;
  le?: Bound;
  lt?: Bound;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Bounds {
  integer: boolean;
  min?: number;
  minExclusive: boolean;
  max?: number;
  maxExclusive: boolean;
}

export type FieldKind =
  | { kind: "object"; properties: Array<[string, JsonSchema]> }
  | { kind: "number"; bounds: Bounds }
  | { kind: "boolean" }
  | { kind: "enum"; options: string[] }
  | { kind: "enumList"; options: string[]; minItems: number }
  | { kind: "enumMap"; keys: string[]; bounds: Bounds }
  | { kind: "text" };

export function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.split("/").pop() ?? "";
  return root.$defs?.[name] ?? schema;
}

function num(b: Bound | undefined): number | undefined {
  if (b === undefined) return undefined;
  const n = Number(b);
  return Number.isFinite(n) ? n : undefined;
}

function isNumeric(s: JsonSchema): boolean {
  return s.type === "integer" || s.type === "number" || (s.anyOf?.every((a) => a.type === "integer" || a.type === "number") ?? false);
}

/** Bounds from both spellings: JSON Schema's minimum/exclusiveMinimum and pydantic's ge/gt for decimals. */
export function boundsOf(s: JsonSchema): Bounds {
  const lowIncl = num(s.minimum) ?? num(s.ge);
  const lowExcl = num(s.exclusiveMinimum) ?? num(s.gt);
  const highIncl = num(s.maximum) ?? num(s.le);
  const highExcl = num(s.exclusiveMaximum) ?? num(s.lt);
  return {
    integer: s.type === "integer",
    min: lowExcl ?? lowIncl,
    minExclusive: lowExcl !== undefined,
    max: highExcl ?? highIncl,
    maxExclusive: highExcl !== undefined,
  };
}

export function classify(root: JsonSchema, raw: JsonSchema): FieldKind {
  const s = resolve(root, raw);
  if (s.type === "object" && s.properties) {
    return { kind: "object", properties: Object.entries(s.properties) };
  }
  if (s.type === "object" && typeof s.additionalProperties === "object" && s.propertyNames?.enum) {
    return { kind: "enumMap", keys: s.propertyNames.enum.map(String), bounds: boundsOf(s.additionalProperties) };
  }
  if (s.type === "array" && s.items?.enum) {
    return { kind: "enumList", options: s.items.enum.map(String), minItems: s.minItems ?? 0 };
  }
  if (s.enum) return { kind: "enum", options: s.enum.map(String) };
  if (s.type === "boolean") return { kind: "boolean" };
  if (isNumeric(s)) return { kind: "number", bounds: boundsOf(s) };
  return { kind: "text" };
}

export function describeBounds(b: Bounds): string {
  const low = b.min === undefined ? "" : `${b.min} ${b.minExclusive ? "<" : "≤"} `;
  const high = b.max === undefined ? "" : ` ${b.maxExclusive ? "<" : "≤"} ${b.max}`;
  return low || high ? `${low}x${high}${b.integer ? ", whole number" : ""}` : b.integer ? "whole number" : "";
}

export function checkNumber(value: Json | undefined, b: Bounds): string | null {
  if (value === null || value === undefined) return "required";
  if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
  if (b.integer && !Number.isInteger(value)) return "must be a whole number";
  if (b.min !== undefined && (b.minExclusive ? value <= b.min : value < b.min)) {
    return `must be ${b.minExclusive ? "greater than" : "at least"} ${b.min}`;
  }
  if (b.max !== undefined && (b.maxExclusive ? value >= b.max : value > b.max)) {
    return `must be ${b.maxExclusive ? "less than" : "at most"} ${b.max}`;
  }
  return null;
}

export function getAt(value: Json | undefined, path: readonly string[]): Json | undefined {
  let here: Json | undefined = value;
  for (const key of path) {
    if (here === null || typeof here !== "object" || Array.isArray(here)) return undefined;
    here = here[key];
  }
  return here;
}

/** A copy of `root` with `value` at `path` (undefined removes the key). */
export function setAt(root: JsonObject, path: readonly string[], value: Json | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return root;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  copy[head] = setAt(child && typeof child === "object" && !Array.isArray(child) ? child : {}, rest, value);
  return copy;
}

/** Field errors the browser can see without asking the server, keyed by dotted path. */
export function validateLocal(root: JsonSchema, schema: JsonSchema, value: Json | undefined, path: string[] = []): Record<string, string> {
  const kind = classify(root, schema);
  const key = path.join(".");
  const errors: Record<string, string> = {};
  if (kind.kind === "object") {
    for (const [name, child] of kind.properties) Object.assign(errors, validateLocal(root, child, getAt(value, [name]), [...path, name]));
  } else if (kind.kind === "number") {
    const problem = checkNumber(value, kind.bounds);
    if (problem) errors[key] = problem;
  } else if (kind.kind === "enumList") {
    const list = Array.isArray(value) ? value : [];
    if (list.length < kind.minItems) errors[key] = `choose at least ${kind.minItems}`;
  } else if (kind.kind === "enumMap") {
    for (const k of kind.keys) {
      const v = getAt(value, [k]);
      if (v === undefined) continue; // absent means "no threshold for that symbol"
      const problem = checkNumber(v, kind.bounds);
      if (problem) errors[`${key}.${k}`] = problem;
    }
  }
  return errors;
}

export interface Change {
  path: string;
  before: Json | undefined;
  after: Json | undefined;
}

function leaves(value: Json | undefined, path: string, out: Map<string, Json | undefined>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
}

/** Every leaf that differs between two configs (arrays compare as a whole), in path order. */
export function diffConfig(before: JsonObject, after: JsonObject, ignore: readonly string[] = ["version"]): Change[] {
  const a = new Map<string, Json | undefined>();
  const b = new Map<string, Json | undefined>();
  leaves(before, "", a);
  leaves(after, "", b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => !ignore.includes(p)).sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}
