"""Reads shared by several routes: the active config, process heartbeats, the bot state, the day window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import redis.asyncio as aioredis
from loguru import logger
from psycopg import AsyncConnection
from pydantic import ValidationError

from api.marks import latest_book, mark_for, unrealized_pnl
from api.models import ConfigVersion, Position, ProcessStatus
from schemas.config import BotConfig
from schemas.risk import Heartbeat
from schemas.streams import ACTIVE_CONFIG_KEY

Conn = AsyncConnection[dict[str, Any]]
ONLINE_WITHIN_S = 30.0  # processes heartbeat every 5 s
EXPECTED_PROCESSES = ("ingest", "strategy", "governor", "executor", "projector", "notifier")


async def fetch_all(conn: Conn, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = await conn.execute(sql, params)
    return await cur.fetchall()


async def fetch_one(conn: Conn, sql: str, params: Any = None) -> dict[str, Any] | None:
    cur = await conn.execute(sql, params)
    return await cur.fetchone()


async def active_config(conn: Conn, client: aioredis.Redis | None = None) -> ConfigVersion:
    """The active version from PostgreSQL; else what workers would load from Redis; else the defaults."""
    row = await fetch_one(
        conn,
        "SELECT version, config, author, created_at, note, active FROM bot_config"
        " WHERE active ORDER BY version DESC LIMIT 1",
    )
    if row is not None:
        return ConfigVersion(**row)
    if client is not None:
        raw = await client.get(ACTIVE_CONFIG_KEY)
        if raw:
            config = BotConfig.model_validate_json(raw)
            return ConfigVersion(
                version=config.version,
                config=config.model_dump(mode="json"),
                author="redis",
                created_at=None,
                note="",
                active=True,
                source="redis",
            )
    config = BotConfig()
    return ConfigVersion(
        version=config.version,
        config=config.model_dump(mode="json"),
        author="default",
        created_at=None,
        note="",
        active=True,
        source="default",
    )


def bot_config(version: ConfigVersion) -> BotConfig:
    return BotConfig.model_validate_json(orjson.dumps(version.config))


def governor_heartbeat(bot_state: dict[str, Any] | None) -> Heartbeat | None:
    """The governor's last Heartbeat as the projector stored it in `bot_state.heartbeat`; None before the first.

    One stored by a governor of an older shape is None too, with a warning, rather than an error on every read:
    the next beat (within 5 s) replaces it."""
    raw = (bot_state or {}).get("heartbeat")
    if raw is None:
        return None
    try:
        return Heartbeat.model_validate(raw)
    except ValidationError as exc:
        logger.warning("stored governor heartbeat does not validate, ignored until the next: {}", exc)
        return None


async def processes(conn: Conn, now: datetime) -> list[ProcessStatus]:
    rows = await fetch_all(
        conn,
        "SELECT process, pid, last_seen, lag, events_processed, rss_mb"
        " FROM process_heartbeats ORDER BY process",
    )
    out = []
    for row in rows:
        age = (now - row["last_seen"]).total_seconds()
        out.append(ProcessStatus(**row, age_s=round(age, 3), online=age <= ONLINE_WITHIN_S))
    return out


async def open_positions(conn: Conn, now: datetime, redis: aioredis.Redis | None = None) -> list[Position]:
    """Open positions; with `redis`, each marked to the latest book ticker of its symbol."""
    rows = await fetch_all(
        conn,
        "SELECT setup_id, symbol, side, qty, entry_price, stop_price, take_profit_price,"
        " opened_at, time_stop_at FROM positions WHERE status = 'OPEN' ORDER BY opened_at",
    )
    out = []
    for row in rows:
        position = Position(
            **row, time_in_trade_s=(now - row["opened_at"]).total_seconds() if row["opened_at"] else None
        )
        found = await latest_book(redis, position.symbol) if redis is not None else None
        if found is not None and position.entry_price is not None:
            mark = mark_for(position.side, *found)
            position.mark_price, position.mark_at = mark.price, mark.at
            position.unrealized_pnl_usdt = unrealized_pnl(position.side, position.qty, position.entry_price,
                                                          mark.price)
        out.append(position)
    return out


def day_window(tz_name: str, now: datetime) -> tuple[str, datetime, datetime]:
    """Today's ISO date in `tz_name`, and its [midnight, next midnight) as aware datetimes in that zone."""
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    end = (start + timedelta(days=1)).replace(tzinfo=None).replace(tzinfo=tz)
    return local.date().isoformat(), start, end


def utc_now() -> datetime:
    return datetime.now(UTC)


async def trade_pnls(conn: Conn, start: datetime, end: datetime) -> list[Decimal]:
    rows = await fetch_all(
        conn,
        'SELECT pnl_usdt FROM trades WHERE "timestamp" >= %s AND "timestamp" < %s ORDER BY "timestamp"',
        (start, end),
    )
    return [row["pnl_usdt"] for row in rows]


def max_drawdown(pnls: list[Decimal]) -> Decimal:
    """Largest peak-to-trough fall of cumulative realized PnL, starting from zero."""
    peak = total = worst = Decimal(0)
    for pnl in pnls:
        total += pnl
        peak = max(peak, total)
        worst = max(worst, peak - total)
    return worst
