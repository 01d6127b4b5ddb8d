"""Config: the active version, its history, validation, publishing and rollback (both make a new version)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from psycopg.types.json import Jsonb

from api.config_checks import parse_config, refuse_venue_change_while_open
from api.config_sync import published_event, tell_workers
from api.deps import AdminUser, DbDep, IdemKey, ServicesDep, TradingModeDep
from api.filters import Limit, Offset
from api.idempotency import run_once
from api.models import ConfigBody, ConfigCheck, ConfigErrors, ConfigVersion, Message, Page
from api.queries import Conn, active_config, bot_config, fetch_all, fetch_one
from schemas.config import BotConfig, active_symbols, effective_risk_pct, margin_needed_pct

router = APIRouter(prefix="/api/config", tags=["config"])

PUBLISH_LOCK = 7_811_890_823_168_917_763  # versions are numbered one at a time
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ConfigErrors, "description": "the config is invalid (or its mode is not TRADING_MODE)"}
}
OPEN_POSITION: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Message,
        "description": "it changes leverage or margin type while a position is open (`detail` names them),"
        " or the Idempotency-Key was used for another request",
    }
}


@router.get("/current", response_model=ConfigVersion)
async def current(db: DbDep, services: ServicesDep, _admin: AdminUser) -> ConfigVersion:
    return await active_config(db, services.redis)


@router.get("/versions", response_model=Page[ConfigVersion])
async def versions(
    db: DbDep, _admin: AdminUser, limit: Limit = 100, offset: Offset = 0
) -> Page[ConfigVersion]:
    total = await fetch_one(db, "SELECT count(*) AS n FROM bot_config")
    rows = await fetch_all(
        db,
        "SELECT version, config, author, created_at, note, active FROM bot_config"
        " ORDER BY version DESC LIMIT %s OFFSET %s",
        (limit, offset),
    )
    return Page[ConfigVersion](data=[ConfigVersion(**r) for r in rows], count=total["n"] if total else 0)


@router.post("/validate", response_model=ConfigCheck, responses=INVALID)
async def validate(body: ConfigBody, _admin: AdminUser, mode: TradingModeDep) -> ConfigCheck:
    config = parse_config(body.config, mode)
    return ConfigCheck(
        valid=True,
        config=config.model_dump(mode="json"),
        effective_risk_pct=effective_risk_pct(config),
        margin_needed_pct=margin_needed_pct(config),
        active_symbols=list(active_symbols(config)),
    )


@router.post("/publish", response_model=ConfigVersion, responses={**INVALID, **OPEN_POSITION})
async def publish(
    body: ConfigBody, db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey, mode: TradingModeDep
) -> ConfigVersion:
    async def act(conn: Conn) -> tuple[dict[str, Any], str]:
        config = parse_config(body.config, mode)
        version = await _store(conn, services, config, admin.email, body.note, "publish again")
        return version.model_dump(mode="json"), f"published v{version.version}"

    stored = ConfigVersion(
        **await run_once(
            db, key=key, endpoint="config.publish", request=body.model_dump(), admin=admin, action=act
        )
    )
    await tell_workers(services.redis, published_event(stored, key))
    return stored


@router.post(
    "/rollback/{version}",
    response_model=ConfigVersion,
    responses={404: {"model": Message, "description": "no such version"}, **INVALID, **OPEN_POSITION},
)
async def rollback(
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    db: DbDep,
    services: ServicesDep,
    admin: AdminUser,
    key: IdemKey,
    mode: TradingModeDep,
) -> ConfigVersion:
    async def act(conn: Conn) -> tuple[dict[str, Any], str]:
        old = await fetch_one(conn, "SELECT config FROM bot_config WHERE version = %s", (version,))
        if old is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"config version {version} does not exist")
        new = await _store(
            conn,
            services,
            parse_config(old["config"], mode),
            admin.email,
            f"rollback to v{version}",
            "roll back again",
        )
        return new.model_dump(mode="json"), f"rolled back to v{version} as v{new.version}"

    stored = ConfigVersion(
        **await run_once(
            db, key=key, endpoint="config.rollback", request={"version": version}, admin=admin, action=act
        )
    )
    await tell_workers(services.redis, published_event(stored, key))
    return stored


async def _store(
    conn: Conn, services: ServicesDep, config: BotConfig, author: str, note: str, retry: str
) -> ConfigVersion:
    """A new version (max + 1), active in bot_config. Runs inside the idempotent transaction, so a failure
    stores nothing; the workers are told only after the commit (api/config_sync.py). Refused (409) when it
    changes leverage or margin type while a position is open."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK,))
    active = bot_config(await active_config(conn, services.redis))
    await refuse_venue_change_while_open(conn, active, config, retry)
    top = await fetch_one(conn, "SELECT coalesce(max(version), 0) AS v FROM bot_config")
    number = (top["v"] if top else 0) + 1
    config = config.model_copy(update={"version": number})
    body = config.model_dump(mode="json")
    row = await fetch_one(
        conn,
        "INSERT INTO bot_config (version, config, author, note) VALUES (%s, %s, %s, %s) RETURNING created_at",
        (number, Jsonb(body), author, note),
    )
    await conn.execute("UPDATE bot_config SET active = false WHERE active")
    await conn.execute("UPDATE bot_config SET active = true WHERE version = %s", (number,))
    return ConfigVersion(
        version=number,
        config=body,
        author=author,
        created_at=row["created_at"] if row else None,
        note=note,
        active=True,
    )
