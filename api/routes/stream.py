"""GET /api/stream: server-sent events with the bot state (when it changes) and each new event.

Polls PostgreSQL (the projector's output) once a second, taking a pooled connection per poll, so an
idle dashboard holds no connection. It reads the kept tier of the audit log only (events_kept, by its
primary key): market data, heartbeats and INFO logs are noise here (INFO logs are on the logs page).
A stream lives no longer than its token: it ends with an `end` event when the token expires or its session
is signed out (checked each poll), and the dashboard reconnects with a fresh token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from api.deps import AdminUser, ServicesDep
from api.models import Message
from api.queries import fetch_all, fetch_one
from api.security import Admin
from api.sessions import is_revoked

router = APIRouter(prefix="/api/stream", tags=["stream"])

QUIET_TYPES = ("ProcessHeartbeat", "Heartbeat")
MAX_STREAMS_PER_SESSION = 8  # a few tabs; more is a leak or an abuse, and each costs a poll a second


@router.get(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`state`, `event` and a final `end`"},
               429: {"model": Message, "description": "this session has MAX_STREAMS_PER_SESSION streams open"}},
)
async def stream(
    request: Request,
    services: ServicesDep,
    admin: AdminUser,
    interval_s: Annotated[float, Query(ge=0.2, le=30)] = 1.0,
    max_seconds: Annotated[float | None, Query(gt=0, le=86_400, description="close after this long")] = None,
) -> StreamingResponse:
    if services.open_streams.get(admin.session, 0) >= MAX_STREAMS_PER_SESSION:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"at most {MAX_STREAMS_PER_SESSION} live streams per session; close a tab")
    return StreamingResponse(
        _events(request, services, admin, interval_s, max_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, services: ServicesDep, admin: Admin, interval_s: float, max_seconds: float | None
) -> AsyncIterator[bytes]:
    open_streams = services.open_streams
    open_streams[admin.session] = open_streams.get(admin.session, 0) + 1
    try:
        async for frame in _poll(request, services, admin, interval_s, max_seconds):
            yield frame
    finally:
        open_streams[admin.session] -= 1
        if open_streams[admin.session] <= 0:
            del open_streams[admin.session]


async def _poll(
    request: Request, services: ServicesDep, admin: Admin, interval_s: float, max_seconds: float | None
) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + max_seconds if max_seconds else None
    last_seq: int | None = None
    last_state: Any = None
    while deadline is None or time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        ended = await _session_over(services, admin)
        if ended:
            yield _frame("end", {"reason": ended})
            return
        async with services.pool.connection() as db:
            if last_seq is None:
                last_seq = await newest_seq(db)  # a new stream starts from now
            state = await fetch_one(
                db,
                "SELECT status, status_cause, status_since, heartbeat, heartbeat_at,"
                " last_error, last_error_at FROM bot_state WHERE id = 1",
            )
            rows, last_seq = await next_rows(db, last_seq)
        if state != last_state:
            last_state = state
            yield _frame("state", state)
        for row in rows:
            yield _frame("event", row, row["seq"])
        if not rows:
            yield b": keep-alive\n\n"
        await asyncio.sleep(interval_s)


LIVE_ROWS_SQL = (
    "SELECT seq, stream, id, type, ts, correlation_id, payload FROM events"
    " WHERE tier = 'kept' AND seq > %s AND seq <= %s AND decoded AND stream NOT LIKE 'md.%%'"
    " AND type <> ALL(%s) ORDER BY seq LIMIT %s"
)
BATCH = 500


async def newest_seq(db: Any) -> int:
    top = await fetch_one(db, "SELECT coalesce(max(seq), 0) AS s FROM events WHERE tier = 'kept'")
    return int(top["s"]) if top else 0


async def next_rows(db: Any, cursor: int) -> tuple[list[dict[str, Any]], int]:
    """The shown rows after `cursor`, and the next cursor. The cursor moves past the rows it filtered out
    (market data, heartbeats) up to the newest row now, so a poll reads only what arrived since the last
    one, never the whole quiet stretch again (the projector, the only writer, commits in `seq` order)."""
    newest = max(cursor, await newest_seq(db))
    rows = await fetch_all(db, LIVE_ROWS_SQL, (cursor, newest, list(QUIET_TYPES), BATCH))
    return rows, rows[-1]["seq"] if len(rows) == BATCH else newest


async def _session_over(services: ServicesDep, admin: Admin) -> str | None:
    if time.time() >= admin.expires_at:
        return "expired"
    if await is_revoked(services.redis, admin):
        return "revoked"
    return None


def _frame(kind: str, data: Any, seq: int | None = None) -> bytes:
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: ".encode() + orjson.dumps(data, default=str) + b"\n\n"
