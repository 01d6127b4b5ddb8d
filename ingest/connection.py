"""One WebSocket route (`/market` or `/public`), kept connected forever.

Why not python-binance's socket layer (1.0.37, binance/ws/reconnecting_websocket.py):
- it gives up for good after `MAX_RECONNECTS = 5` failed reconnects (l.46, l.262-278: raises
  BinanceWebsocketUnableToConnect, the read loop ends, later `recv()` raises ReadLoopClosed);
- its queue holds 100 messages (l.60); one more raises BinanceWebsocketQueueOverflow (l.212-217), which
  the `except (..., Exception)` at l.244-255 answers with `break`: a burst kills the socket;
- one frame that is not JSON does the same (`_handle_message` re-raises, l.162-182);
- it puts `{"e": "error", ...}` dicts into the data queue on every drop (l.222-255);
- backoff is `round(random() * min(60, 2**n - 1) + 1)` whole seconds (l.300-302), at least 1 s;
- frames are parsed before they are queued, so the raw text `--record` needs is gone and the receive
  time is only known after the queue; subscriptions are fixed in the URL.
Each of those breaks a requirement here (reconnect forever, never drop a liquidation in a burst, skip
bad frames, record raw frames), so this module uses the `websockets` package directly, as python-binance
does underneath (l.134 `ws.connect(...)`). python-binance stays in use for REST (ingest/warmup.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
from loguru import logger
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ingest.backoff import backoff_delay
from ingest.options import IngestOptions
from ingest.routes import WsRoute, stream_url
from runtime.clock import system_clock


class FrameSink(Protocol):
    def on_frame(self, route: WsRoute, raw: str | bytes, recv_ts: int) -> None: ...

    async def on_connected(self, route: WsRoute, streams: tuple[str, ...], attempt: int) -> None: ...

    def on_reconnecting(self, route: WsRoute, attempt: int, delay_ms: int, reason: str) -> None: ...


class RouteConnection:
    def __init__(self, route: WsRoute, ws_base: str, streams: Sequence[str], sink: FrameSink,
                 options: IngestOptions, now_ms: Callable[[], int] | None = None) -> None:
        self.route = route
        self.now_ms = now_ms or system_clock().now_ms  # receive time: the bot's clock (epoch ms)
        self.ws_base = ws_base
        self.streams: tuple[str, ...] = tuple(streams)
        self._sink = sink
        self._options = options
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self.connects = 0
        self.last_frame = 0.0  # time.monotonic() of the last frame received

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            if not self.streams:
                self._changed.clear()
                await _first(stop.wait(), self._changed.wait())
                continue
            opened_at: float | None = None
            reason = "closed"
            try:
                url, opts = stream_url(self.ws_base, self.route, self.streams), self._options
                async with connect(
                    url, open_timeout=opts.open_timeout_s, ping_interval=opts.ping_interval_s,
                    ping_timeout=opts.ping_interval_s, close_timeout=1, max_queue=4096,
                    max_size=2**22, compression=None, proxy=None,
                ) as ws:
                    opened_at = self.last_frame = time.monotonic()
                    self.connects += 1
                    self._ws = ws
                    await self._sink.on_connected(self.route, self.streams, attempt)
                    reason = await self._read(ws, stop)
            except ConnectionClosed as exc:
                reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug must cost a reconnect, never the route for good
                logger.exception("/{} connection failed unexpectedly", self.route)
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                self._ws = None
            if stop.is_set():
                break
            if opened_at is not None and time.monotonic() - opened_at >= self._options.stable_after_s:
                attempt = 0
            attempt += 1
            delay = backoff_delay(attempt, self._options.backoff_base_ms / 1000,
                                  self._options.backoff_cap_ms / 1000, random.random())
            self._sink.on_reconnecting(self.route, attempt, int(delay * 1000), reason)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def _read(self, ws: ClientConnection, stop: asyncio.Event) -> str:
        watchdog = asyncio.create_task(self._watchdog(ws))
        on_frame, route, now_ms = self._sink.on_frame, self.route, self.now_ms
        try:
            async for raw in ws:
                self.last_frame = time.monotonic()
                on_frame(route, raw, now_ms())
        finally:
            watchdog.cancel()
        if stop.is_set():
            return "stopping"
        if watchdog.done() and not watchdog.cancelled() and watchdog.result():
            return "idle"
        code = ws.close_code
        return f"connection closed ({code if code is not None else 'no close frame'})"

    async def _watchdog(self, ws: ClientConnection) -> bool:
        """Close a connection that delivered nothing for `idle_reconnect_s` (pings may still pass)."""
        idle = self._options.idle_reconnect_s
        while True:
            await asyncio.sleep(max(0.05, self.last_frame + idle - time.monotonic()))
            if time.monotonic() - self.last_frame >= idle:
                logger.warning("{} connection silent for {:.0f}s; reconnecting", self.route, idle)
                await ws.close(code=1000, reason="idle")
                return True

    async def set_streams(self, streams: Sequence[str]) -> None:
        """Change the subscription on the live connection (SUBSCRIBE/UNSUBSCRIBE); a reconnect uses the
        new set in its URL anyway."""
        new = tuple(streams)
        added = [s for s in new if s not in self.streams]
        removed = [s for s in self.streams if s not in new]
        self.streams = new
        self._changed.set()
        ws = self._ws
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):
            if removed:
                await ws.send(orjson.dumps({"method": "UNSUBSCRIBE", "params": removed,
                                            "id": next(self._ids)}).decode())
            if added:
                await ws.send(orjson.dumps({"method": "SUBSCRIBE", "params": added,
                                            "id": next(self._ids)}).decode())

    async def close(self) -> None:
        ws = self._ws
        if ws is not None:
            await ws.close()


async def _first(*aws: object) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]  # type: ignore[call-overload]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
