"""WebSocket fan-out: which connection hears which stream, on which route, with route-level faults."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from loguru import logger

from simulator import streams
from simulator.events import Route

ROUTES: tuple[Route, ...] = ("public", "market", "private")


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    request: web.Request
    route: Route
    combined: bool
    subscriptions: dict[str, str] = field(default_factory=dict)  # key -> name as the client spelled it
    listen_keys: set[str] = field(default_factory=set)
    queue: asyncio.Queue[tuple[float, str]] = field(default_factory=asyncio.Queue)
    sent: int = 0

    def frame(self, name: str, raw: bytes) -> str:
        body = raw.decode()
        return f'{{"stream":{orjson.dumps(name).decode()},"data":{body}}}' if self.combined else body


@dataclass
class RouteFaults:
    silent_until_ms: int = 0  # virtual time
    delay_ms: int = 0


class Hub:
    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now = now_ms
        self.connections: set[Connection] = set()
        self._by_stream: dict[tuple[Route, str], set[Connection]] = defaultdict(set)
        self._by_listen_key: dict[str, set[Connection]] = defaultdict(set)
        self.faults: dict[Route, RouteFaults] = {r: RouteFaults() for r in ROUTES}
        self.published: dict[Route, int] = dict.fromkeys(ROUTES, 0)
        self.dropped_silent: dict[Route, int] = dict.fromkeys(ROUTES, 0)

    # -- membership -------------------------------------------------------------------------------
    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for k in list(conn.subscriptions):
            self._by_stream[(conn.route, k)].discard(conn)
        for lk in conn.listen_keys:
            self._by_listen_key[lk].discard(conn)

    def subscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            k = streams.key(name)
            conn.subscriptions[k] = name
            # A mis-routed stream is stored (LIST_SUBSCRIPTIONS shows it) but never published to.
            self._by_stream[(conn.route, k)].add(conn)

    def unsubscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            k = streams.key(name)
            conn.subscriptions.pop(k, None)
            self._by_stream[(conn.route, k)].discard(conn)

    def attach_listen_key(self, conn: Connection, listen_key: str) -> None:
        conn.listen_keys.add(listen_key)
        self._by_listen_key[listen_key].add(conn)

    # -- publishing -------------------------------------------------------------------------------
    def has_subscribers(self, name: str) -> bool:
        k = streams.key(name)
        route = streams.route_of(k)
        return route is not None and bool(self._by_stream.get((route, k)))

    def _silenced(self, route: Route) -> bool:
        return self.faults[route].silent_until_ms > self._now()

    def publish(self, name: str, payload: dict[str, Any]) -> int:
        """Send ``payload`` on stream ``name`` to every subscriber on the stream's own route."""
        k = streams.key(name)
        route = streams.route_of(k)
        conns = self._by_stream.get((route, k)) if route else None
        if not conns or route is None:
            return 0
        if self._silenced(route):
            self.dropped_silent[route] += 1
            return 0
        raw = orjson.dumps(payload)
        now = time.monotonic()
        for conn in conns:
            conn.queue.put_nowait((now, conn.frame(conn.subscriptions.get(k, name), raw)))
        self.published[route] += 1
        return len(conns)

    def publish_user(self, listen_key: str, payload: dict[str, Any]) -> int:
        conns = self._by_listen_key.get(listen_key)
        if not conns:
            return 0
        if self._silenced("private"):
            self.dropped_silent["private"] += 1
            return 0
        raw = orjson.dumps(payload)
        now = time.monotonic()
        for conn in conns:
            conn.queue.put_nowait((now, conn.frame(listen_key, raw)))
        self.published["private"] += 1
        return len(conns)

    def backlog(self) -> int:
        return max((c.queue.qsize() for c in self.connections), default=0)

    async def writer(self, conn: Connection) -> None:
        """Per-connection sender: keeps order, applies the route's delay fault."""
        while True:
            enqueued, text = await conn.queue.get()
            delay = self.faults[conn.route].delay_ms
            if delay > 0:
                wait = enqueued + delay / 1000.0 - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return
            conn.sent += 1

    # -- faults -----------------------------------------------------------------------------------
    def _targets(self, route: Route | None) -> list[Connection]:
        return [c for c in self.connections if route is None or c.route == route]

    async def close_all(self, code: int, route: Route | None = None, message: str = "") -> int:
        targets = self._targets(route)

        async def close(conn: Connection) -> None:
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=message.encode())

        await asyncio.gather(*(close(c) for c in targets))
        logger.info("closed {} websocket(s) with code {}", len(targets), code)
        return len(targets)

    def drop_all(self, route: Route | None = None) -> int:
        """Cut the TCP connections without a close frame (the client sees 1006)."""
        targets = self._targets(route)
        for conn in targets:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        logger.info("dropped {} websocket(s)", len(targets))
        return len(targets)

    def snapshot(self) -> dict[str, Any]:
        per_route: dict[str, Any] = {}
        for r in ROUTES:
            conns = [c for c in self.connections if c.route == r]
            per_route[r] = {
                "connections": len(conns),
                "subscriptions": sorted({n for c in conns for n in c.subscriptions.values()}),
                "published": self.published[r],
                "dropped_silent": self.dropped_silent[r],
                "silent_until_ms": self.faults[r].silent_until_ms,
                "delay_ms": self.faults[r].delay_ms,
            }
        return per_route
