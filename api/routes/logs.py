"""Structured logs, newest first, filtered by minimum level, process and text."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AdminUser, DbDep
from api.filters import From, Limit, Offset, To, Where, like_pattern
from api.models import LogLine, Page
from api.queries import fetch_all, fetch_one

router = APIRouter(prefix="/api/logs", tags=["logs"])

LEVELS = {"DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARN": 30, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
Level = Literal["DEBUG", "INFO", "SUCCESS", "WARN", "WARNING", "ERROR", "CRITICAL"]


@router.get("", response_model=Page[LogLine])
async def list_logs(
    db: DbDep,
    _admin: AdminUser,
    level: Annotated[Level | None, Query(description="minimum level")] = None,
    q: Annotated[
        str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="text in the message")
    ] = None,
    process: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = None,
    from_: From = None,
    to: To = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> Page[LogLine]:
    where = (
        Where()
        .time_range("ts", from_, to)
        .when(process, "process = %s")
        .when(level, "level_no >= %s", LEVELS[level] if level else 0)
    )
    if q:
        where.add(
            "(message ILIKE %s OR coalesce(exc_message, '') ILIKE %s)", like_pattern(q), like_pattern(q)
        )
    total = await fetch_one(db, f"SELECT count(*) AS n FROM logs{where.sql}", where.params)
    rows = await fetch_all(
        db,
        "SELECT ts, level, process, message, module, event_id, correlation_id, exc_type, exc_message, stack"
        f" FROM logs{where.sql} ORDER BY ts DESC, id DESC LIMIT %s OFFSET %s",
        [*where.params, limit, offset],
    )
    return Page[LogLine](data=[LogLine(**r) for r in rows], count=total["n"] if total else 0)
