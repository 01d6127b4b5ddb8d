"""What a config must satisfy before it becomes a version: valid, the mode this bot runs, and no change of
the venue's account settings (leverage, margin type) under an open position."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.queries import Conn, fetch_all
from schemas.config import BotConfig

# Set per symbol at the exchange when the executor boots; changed under a position they would apply to it.
VENUE_SETTINGS = ("leverage", "margin_type")


class ConfigInvalid(Exception):
    """422 `{"detail": "config is invalid", "errors": [{"field", "message"}, ...]}`."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("config is invalid")
        self.errors = errors


def config_invalid_response(exc: ConfigInvalid) -> JSONResponse:
    return JSONResponse(
        {"detail": "config is invalid", "errors": exc.errors},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def parse_config(raw: dict[str, Any], trading_mode: str) -> BotConfig:
    """The config, or ConfigInvalid naming every bad field, the mode included."""
    errors: list[dict[str, str]] = []
    config: BotConfig | None = None
    try:
        config = BotConfig.model_validate(raw)
    except ValidationError as exc:
        errors = field_errors(exc)
    mode = config.mode if config is not None else raw.get("mode", BotConfig.model_fields["mode"].default)
    if mode in ("paper", "live") and mode != trading_mode:
        errors.append({"field": "mode", "message": mode_mismatch(str(mode), trading_mode)})
    if errors or config is None:
        raise ConfigInvalid(errors)
    return config


def mode_mismatch(mode: str, trading_mode: str) -> str:
    return (
        f"the bot runs TRADING_MODE={trading_mode} but this config says mode={mode}: set mode to "
        f'"{trading_mode}" (to trade {mode}, restart every process with TRADING_MODE={mode})'
    )


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        head, sep, rest = message.partition(": ")
        if not field and sep and head.replace(".", "").replace("_", "").isalnum():
            field, message = head, rest  # model-level checks name their field first
        out.append({"field": field or "config", "message": message})
    return out


def venue_changes(active: BotConfig, new: BotConfig) -> list[str]:
    """The venue settings `new` changes, as "leverage 2 → 3"."""
    return [
        f"{name} {getattr(active, name)} → {getattr(new, name)}"
        for name in VENUE_SETTINGS
        if getattr(active, name) != getattr(new, name)
    ]


async def refuse_venue_change_while_open(conn: Conn, active: BotConfig, new: BotConfig, retry: str) -> None:
    """409 when `new` changes leverage or margin type while any position is open (PostgreSQL's view)."""
    changes = venue_changes(active, new)
    if not changes:
        return
    rows = await fetch_all(
        conn,
        "SELECT setup_id, symbol, side, qty FROM positions WHERE status = 'OPEN' ORDER BY opened_at, setup_id",
    )
    if not rows:
        return
    held = "; ".join(f"{r['symbol']} {r['side']} {r['qty']} (setup {r['setup_id']})" for r in rows)
    raise HTTPException(
        status.HTTP_409_CONFLICT,
        f"{' and '.join(changes)} cannot change while a position is open: {held}. Wait until "
        f"{'it closes' if len(rows) == 1 else 'they close'} (or flatten), then {retry}.",
    )
