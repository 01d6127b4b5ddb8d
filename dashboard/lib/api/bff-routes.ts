import type { paths } from "./schema";

type Method = "get" | "post";

/** Every (path, method) pair in the API's schema but auth; an entry of BFF_ROUTES outside it does not compile. */
type SchemaRoute = {
  [P in keyof paths]: P extends `/api/auth/${string}`
    ? never
    : { [M in Method]: undefined extends paths[P][M] ? never : readonly [P, M] }[Method];
}[keyof paths];

/**
 * The API routes the browser may reach through the BFF (`/bff/api/...`, lib/proxy.ts). Not `/api/auth/*`: the
 * BFF's own auth routes hold the tokens, which never reach the browser. Checked by `tsc` against schema.d.ts,
 * which `npm run check:api` and tests/api/test_openapi_doc.py check against the API.
 */
export const BFF_ROUTES = [
  ["/api/health", "get"],
  ["/api/health/details", "get"],
  ["/api/ready", "get"],
  ["/api/state", "get"],
  ["/api/metrics/today", "get"],
  ["/api/trades", "get"],
  ["/api/events", "get"],
  ["/api/logs", "get"],
  ["/api/checklist", "get"],
  ["/api/stream", "get"],
  ["/api/storage", "get"],
  ["/api/config/current", "get"],
  ["/api/config/versions", "get"],
  ["/api/config/validate", "post"],
  ["/api/config/publish", "post"],
  ["/api/config/rollback/{version}", "post"],
  ["/api/control/pause", "post"],
  ["/api/control/resume", "post"],
  ["/api/control/flatten", "post"],
  ["/api/control/reset-daily", "post"],
  ["/api/control/health-check", "post"],
] as const satisfies ReadonlyArray<SchemaRoute>;

type BffRoute = (typeof BFF_ROUTES)[number];

/** The schema's paths cut down to BFF_ROUTES: the browser's client can call nothing else (lib/api/browser.ts). */
export type BffPaths = {
  [P in BffRoute[0]]: Pick<paths[P], "parameters" | Extract<BffRoute, readonly [P, Method]>[1]>;
};

/** A `{param}` of a route stands for one segment of word characters: never `.` or `/`, so no `..` escapes. */
function matcher(path: string): RegExp {
  const relative = path.replace(/^\/api\//, "");
  const parts = relative.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\w-]{1,64}")}$`);
}

const MATCHERS = BFF_ROUTES.map(([path, method]) => ({ pattern: matcher(path), method: method.toUpperCase() }));

/** Whether the BFF forwards `method` on `path` (the part after `/bff/api/`, e.g. `config/rollback/3`). */
export function bffAllows(path: string, method: string): boolean {
  return MATCHERS.some((route) => route.pattern.test(path) && route.method === method);
}
