// Regenerates the typed API client inputs from the FastAPI app (never edit lib/api/schema.d.ts by hand):
//   1. openapi.json  — app.openapi() of api.main, plus the BotConfig JSON Schema under
//      components.schemas.BotConfig (the config routes type `config` as a plain object, and the
//      config form is generated from this schema);
//   2. lib/api/schema.d.ts — openapi-typescript's types for openapi-fetch.
// PYTHON overrides the interpreter (default: the repo's .venv).
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dashboard = resolve(here, "..");
const repo = resolve(dashboard, "..");
const python = process.env.PYTHON ?? join(repo, ".venv", "bin", "python");
if (!existsSync(python)) {
  console.error(`no Python at ${python}; set PYTHON or create the repo's .venv`);
  process.exit(1);
}

const program = `
import json
from api.main import create_app
from schemas.config import BotConfig
from runtime.settings import Settings
spec = create_app(Settings(), migrate_on_start=False).openapi()
config = BotConfig.model_json_schema(mode="serialization", ref_template="#/components/schemas/BotConfig/$defs/{model}")
spec.setdefault("components", {}).setdefault("schemas", {}).setdefault("BotConfig", config)
print(json.dumps(spec, indent=2))  # keep model field order: the form follows it
`;
const spec = execFileSync(python, ["-c", program], { cwd: repo, encoding: "utf8", maxBuffer: 64 << 20 });
writeFileSync(join(dashboard, "openapi.json"), spec);
execFileSync(
  process.execPath,
  [join(dashboard, "node_modules", "openapi-typescript", "bin", "cli.js"), "openapi.json", "-o", "lib/api/schema.d.ts"],
  { cwd: dashboard, stdio: "inherit" },
);
console.log("wrote openapi.json and lib/api/schema.d.ts");
