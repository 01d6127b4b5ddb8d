"""Config: the active version, its history, validation, publishing and rollback (both make a new version)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.responses import JSONResponse
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from api.commands import command_envelope, send
from api.deps import AdminUser, DbDep, IdemKey, ServicesDep
from api.filters import Limit, Offset
from api.idempotency import run_once
from api.models import ConfigBody, ConfigCheck, ConfigVersion, Page
from api.queries import Conn, active_config, fetch_all, fetch_one
from schemas.commands import ConfigPublished
from schemas.config import BotConfig, active_symbols, effective_risk_pct, margin_needed_pct
from schemas.streams import ACTIVE_CONFIG_KEY

router = APIRouter(prefix="/api/config", tags=["config"])

PUBLISH_LOCK = 7_811_890_823_168_917_763  # versions are numbered one at a time
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "the config is invalid; `errors` names each field"}
}


class ConfigInvalid(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("config is invalid")
        self.errors = errors


def config_invalid_response(exc: ConfigInvalid) -> JSONResponse:
    return JSONResponse(
        {"detail": "config is invalid", "errors": exc.errors},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def parse_config(raw: dict[str, Any]) -> BotConfig:
    try:
        return BotConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigInvalid(field_errors(exc)) from exc


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
async def validate(body: ConfigBody, _admin: AdminUser) -> ConfigCheck:
    config = parse_config(body.config)
    return ConfigCheck(
        valid=True,
        config=config.model_dump(mode="json"),
        effective_risk_pct=effective_risk_pct(config),
        margin_needed_pct=margin_needed_pct(config),
        active_symbols=list(active_symbols(config)),
    )


@router.post("/publish", response_model=ConfigVersion, responses=INVALID)
async def publish(
    body: ConfigBody, db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey
) -> ConfigVersion:
    async def act(conn: Conn) -> tuple[dict[str, Any], str]:
        version = await _store(conn, services, parse_config(body.config), admin.email, body.note, key)
        return version.model_dump(mode="json"), f"published v{version.version}"

    return ConfigVersion(
        **await run_once(
            db, key=key, endpoint="config.publish", request=body.model_dump(), admin=admin, action=act
        )
    )


@router.post(
    "/rollback/{version}", response_model=ConfigVersion, responses={404: {"description": "no such version"}}
)
async def rollback(
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    db: DbDep,
    services: ServicesDep,
    admin: AdminUser,
    key: IdemKey,
) -> ConfigVersion:
    async def act(conn: Conn) -> tuple[dict[str, Any], str]:
        old = await fetch_one(conn, "SELECT config FROM bot_config WHERE version = %s", (version,))
        if old is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"config version {version} does not exist")
        new = await _store(
            conn,
            services,
            BotConfig.model_validate(old["config"]),
            admin.email,
            f"rollback to v{version}",
            key,
        )
        return new.model_dump(mode="json"), f"rolled back to v{version} as v{new.version}"

    return ConfigVersion(
        **await run_once(
            db, key=key, endpoint="config.rollback", request={"version": version}, admin=admin, action=act
        )
    )


async def _store(
    conn: Conn, services: ServicesDep, config: BotConfig, author: str, note: str, key: str
) -> ConfigVersion:
    """A new version (max + 1), active at once: in bot_config, in Redis for starting workers, and on
    `commands` for running ones. Runs inside the idempotent transaction, so a failure stores nothing."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK,))
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
    await services.redis.set(ACTIVE_CONFIG_KEY, config.model_dump_json())
    await send(
        services.redis,
        command_envelope(
            ConfigPublished(idempotency_key=key, actor=author, version=number, config=config, note=note), key
        ),
    )
    return ConfigVersion(
        version=number,
        config=body,
        author=author,
        created_at=row["created_at"] if row else None,
        note=note,
        active=True,
    )
