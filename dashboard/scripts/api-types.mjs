// openapi-typescript over the committed openapi.json: shared by gen-api.mjs (writes lib/api/schema.d.ts) and
// check-api.mjs (writes a temporary copy to compare with it).
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const dashboard = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repo = resolve(dashboard, "..");

/** Writes the types of openapi.json to `out` (a path relative to dashboard/ or absolute). */
export function schemaTypes(out) {
  execFileSync(
    process.execPath,
    [join(dashboard, "node_modules", "openapi-typescript", "bin", "cli.js"), "openapi.json", "-o", out],
    { cwd: dashboard, stdio: ["ignore", "ignore", "inherit"] },
  );
}
