"""Revoked sessions and tokens, in Redis so every API instance sees them and a restart forgets none.

A key per revoked session (`sid`: logout ends every token of that login) and per revoked token (`jti`),
each expiring when no token it names can still be valid.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from api.security import REFRESH_TTL_S, Admin

PREFIX = "auth:revoked:"


def _keys(admin: Admin) -> tuple[str, str]:
    return f"{PREFIX}sid:{admin.session}", f"{PREFIX}jti:{admin.token_id}"


async def revoke(client: aioredis.Redis, admin: Admin) -> None:
    session_key, token_key = _keys(admin)
    token_left = max(1, admin.expires_at - int(time.time()))
    async with client.pipeline(transaction=True) as pipe:
        pipe.set(session_key, b"1", ex=REFRESH_TTL_S + 60)
        pipe.set(token_key, b"1", ex=token_left + 60)
        await pipe.execute()


async def is_revoked(client: aioredis.Redis, admin: Admin) -> bool:
    """One round trip. Redis down raises: the caller answers 503, never lets a token through unchecked."""
    return bool(await client.exists(*_keys(admin)))
