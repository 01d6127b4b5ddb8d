"""Every POST runs once per Idempotency-Key, and every POST is written to risk_events.

The key is locked (advisory lock) for the whole request, so two concurrent repeats cannot both act; the
stored response is returned to every later repeat. A request that fails (4xx) stores nothing, so the
same key may be used again once the input is fixed; the failure itself is still recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import HTTPException, status
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from api.security import Admin

Action = Callable[[AsyncConnection[dict[str, Any]]], Awaitable[tuple[dict[str, Any], str]]]


class KeyReused(HTTPException):
    """409: the key already answered another request. Not recorded: nothing was asked of the bot."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_409_CONFLICT, "this Idempotency-Key was already used for a different request")


async def run_once(
    conn: AsyncConnection[dict[str, Any]],
    *,
    key: str,
    endpoint: str,
    request: Any,
    admin: Admin,
    action: Action,
) -> dict[str, Any]:
    """Run `action` (which returns the response body and its outcome) unless `key` already ran."""
    try:
        canonical = orjson.dumps(request, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # e.g. an integer beyond 64 bits: no config value is that large
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"request cannot be stored: {exc}") from exc
    if b"\\u0000" in canonical:  # PostgreSQL text and jsonb cannot hold NUL
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "text must not contain NUL characters")
    digest = hashlib.sha256(canonical).hexdigest()
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (key,))
            cur = await conn.execute(
                "SELECT endpoint, request_hash, response FROM api_idempotency WHERE key = %s", (key,)
            )
            seen = await cur.fetchone()
            if seen is not None:
                if seen["endpoint"] != endpoint or seen["request_hash"] != digest:
                    raise KeyReused()
                stored: dict[str, Any] = seen["response"]
                return stored
            body, outcome = await action(conn)
            await conn.execute(
                "INSERT INTO api_idempotency (key, endpoint, request_hash, status_code, response)"
                " VALUES (%s, %s, %s, 200, %s)",
                (key, endpoint, digest, Jsonb(body)),
            )
            await record(
                conn,
                endpoint=endpoint,
                admin=admin,
                key=key,
                outcome=outcome,
                detail=_detail(body),
                payload=body,
            )
            return body
    except HTTPException as exc:
        if not isinstance(exc, KeyReused):  # a refusal (404, 409 open position, ...) is on the record
            await record(
                conn,
                endpoint=endpoint,
                admin=admin,
                key=key,
                outcome=f"rejected ({exc.status_code})",
                detail=str(exc.detail)[:2000],
                payload={"request": request},
            )
        raise


async def record(
    conn: AsyncConnection[dict[str, Any]],
    *,
    endpoint: str,
    admin: Admin,
    key: str,
    outcome: str,
    detail: str,
    payload: dict[str, Any],
) -> None:
    await conn.execute(
        "INSERT INTO risk_events (ts, type, actor, idempotency_key, outcome, detail, payload, source)"
        " VALUES (now(), %s, %s, %s, %s, %s, %s, 'api')",
        (f"api:{endpoint}", admin.email, key, outcome, detail, Jsonb(payload)),
    )


def _detail(body: dict[str, Any]) -> str:
    for name in ("command", "note", "reason"):
        if body.get(name):
            return str(body[name])[:2000]
    return ""
