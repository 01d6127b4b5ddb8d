"""The OpenAPI document committed as dashboard/openapi.json, which the dashboard's types are generated from.

It is `app.openapi()` plus the BotConfig JSON Schema under `components.schemas.BotConfig` (the config routes
type `config` as a plain object, and the dashboard's config form is generated from this schema).
`python -m api.openapi_doc` prints it; `npm run gen:api` (in dashboard/) writes it and regenerates
lib/api/schema.d.ts, and tests/api/test_openapi_doc.py fails when the committed copy differs."""

from __future__ import annotations

import json
import sys
from typing import Any

from api.main import create_app
from runtime.settings import Settings
from schemas.config import BotConfig

REGENERATE = "cd dashboard && npm run gen:api"


def openapi_document() -> dict[str, Any]:
    spec: dict[str, Any] = create_app(Settings(), migrate_on_start=False).openapi()
    config = BotConfig.model_json_schema(
        mode="serialization", ref_template="#/components/schemas/BotConfig/$defs/{model}"
    )
    spec.setdefault("components", {}).setdefault("schemas", {}).setdefault("BotConfig", config)
    return spec


def rendered(spec: dict[str, Any]) -> str:
    """The file's text: two-space indents, keys in the models' field order (the config form follows it)."""
    return json.dumps(spec, indent=2) + "\n"


def main() -> int:
    sys.stdout.write(rendered(openapi_document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
