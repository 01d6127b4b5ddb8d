"""The committed dashboard/openapi.json is what the API generates today (the dashboard's types come from it)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from api.openapi_doc import REGENERATE, openapi_document, rendered

COMMITTED = Path(__file__).resolve().parents[2] / "dashboard" / "openapi.json"


def test_committed_openapi_when_regenerated_is_unchanged() -> None:
    generated = rendered(openapi_document())
    committed = COMMITTED.read_text(encoding="utf-8")
    if generated != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), generated.splitlines(), "committed", "generated", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"dashboard/openapi.json differs from the API's schema; regenerate it with: {REGENERATE}\n{shown}")
