// Regenerates the typed API client inputs from the FastAPI app (never edit lib/api/schema.d.ts by hand):
//   1. openapi.json  — `python -m api.openapi_doc`: app.openapi() plus the BotConfig JSON Schema (the
//      config form is generated from it; see api/openapi_doc.py);
//   2. lib/api/schema.d.ts — openapi-typescript's types for openapi-fetch.
// tests/api/test_openapi_doc.py and `npm run check:api` fail when either committed file is stale.
// PYTHON overrides the interpreter (default: the repo's .venv).
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dashboard, repo, schemaTypes } from "./api-types.mjs";

const python = process.env.PYTHON ?? join(repo, ".venv", "bin", "python");
if (!existsSync(python)) {
  console.error(`no Python at ${python}; set PYTHON or create the repo's .venv`);
  process.exit(1);
}

const spec = execFileSync(python, ["-m", "api.openapi_doc"], { cwd: repo, encoding: "utf8", maxBuffer: 64 << 20 });
writeFileSync(join(dashboard, "openapi.json"), spec);
schemaTypes("lib/api/schema.d.ts");
console.log("wrote openapi.json and lib/api/schema.d.ts");
