"""/docs and /openapi.json: off unless API_DOCS=true, and never in live mode, where they would hand a stranger
the map of the controls. The committed dashboard/openapi.json documents the API either way."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from loguru import logger

from runtime.settings import Settings


def add_docs(app: FastAPI, settings: Settings) -> None:
    if not settings.api_docs:
        return
    if settings.trading_mode == "live":
        logger.warning("API_DOCS is ignored in live mode: /docs and /openapi.json stay off")
        return

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        spec: dict[str, Any] = app.openapi()
        return JSONResponse(spec)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="liqfade API")
