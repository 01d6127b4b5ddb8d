"""The API's own ProcessHeartbeat, every 5 s like the workers': pid, start, requests served, RSS."""

from __future__ import annotations

import asyncio
import contextlib
import time

import redis.asyncio as aioredis
from loguru import logger
from starlette.types import ASGIApp, Receive, Scope, Send

from runtime.heartbeat import heartbeat_envelope
from schemas.registry import FIELD, encode
from schemas.streams import HEARTBEATS


class RequestCounter:
    """Requests served, reported as the heartbeat's `events_processed`."""

    def __init__(self) -> None:
        self.served = 0


class CountRequests:
    """Plain ASGI middleware (not BaseHTTPMiddleware, which would wrap the SSE stream's body)."""

    def __init__(self, app: ASGIApp, counter: RequestCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counter.served += 1
        await self.app(scope, receive, send)


async def beat(client: aioredis.Redis, counter: RequestCounter, stop: asyncio.Event, every_s: float = 5.0) -> None:
    """Until `stop` is set. Redis being away costs a missed beat and a warning, never the API.

    The loop ends on the event, not on cancellation alone: redis-py (8.2) can swallow a CancelledError that
    lands inside a command, and the task then sleeps on as if nothing happened (seen as the API's shutdown
    hanging in tests, about one run in three)."""
    started_ms = time.time_ns() // 1_000_000
    while not stop.is_set():
        now = time.time_ns() // 1_000_000
        envelope = heartbeat_envelope("api", started_ms, counter.served, 0, now)
        try:
            await client.xadd(HEARTBEATS, {FIELD: encode(envelope)})
        except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
            logger.warning("api heartbeat not written: {}", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
