// Fails when lib/api/schema.d.ts is not what openapi-typescript makes of the committed openapi.json (someone
// edited one by hand, or regenerated only the other). openapi.json itself is checked against the API by
// tests/api/test_openapi_doc.py. `make dashboard-check` runs this.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboard, schemaTypes } from "./api-types.mjs";

const REGENERATE = "cd dashboard && npm run gen:api";
const committedPath = join(dashboard, "lib", "api", "schema.d.ts");
const scratch = mkdtempSync(join(tmpdir(), "liqfade-api-types-"));
try {
  const fresh = join(scratch, "schema.d.ts");
  schemaTypes(fresh);
  const want = readFileSync(fresh, "utf8").split("\n");
  const have = readFileSync(committedPath, "utf8").split("\n");
  const line = want.findIndex((text, i) => text !== have[i]);
  if (line === -1 && want.length === have.length) {
    console.log("lib/api/schema.d.ts matches openapi.json");
  } else {
    const at = line === -1 ? Math.min(want.length, have.length) : line;
    console.error(
      `lib/api/schema.d.ts is not generated from openapi.json (first difference at line ${at + 1}:\n` +
        `  committed: ${JSON.stringify(have[at] ?? "<end of file>")}\n` +
        `  generated: ${JSON.stringify(want[at] ?? "<end of file>")}).\n` +
        `Regenerate both files from the API with: ${REGENERATE}`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
