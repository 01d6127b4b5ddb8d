"""The user-data stream on `/private`: listen key, keepalive, `listenKeyExpired`, reconnects.

python-binance's `futures_user_socket()` POSTs the listen key when it connects and re-POSTs it every
`user_timeout` s. It does not handle `listenKeyExpired`: on that event (or an error frame, or a dead
socket) we leave the socket, open a new one (which POSTs a new key), and only then call `on_connect`,
which reconciles every open order by querying it, so no fill that happened in the gap is missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from binance import AsyncClient, BinanceSocketManager
from loguru import logger

Handler = Callable[[dict[str, Any]], Awaitable[None]]
OnConnect = Callable[[], Awaitable[None]]
OnDown = Callable[[str], None]


def stream_url(base_url: str) -> str:
    """The WebSocket root for a REST base URL: Binance's fstream hosts, else the same host (simulator)."""
    parts = urlsplit(base_url)
    host = parts.netloc
    if host == "fapi.binance.com":
        return "wss://fstream.binance.com/"
    if "binancefuture.com" in host or host.startswith("demo-fapi"):
        return "wss://fstream.binancefuture.com/"
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{host}/"


class UserStream:
    def __init__(self, client: AsyncClient, ws_url: str, on_event: Handler, on_connect: OnConnect,
                 keepalive_s: int = 30 * 60, on_down: OnDown | None = None) -> None:
        self.client = client
        self.ws_url = ws_url
        self.on_event = on_event
        self.on_connect = on_connect
        self.on_down = on_down or (lambda _reason: None)
        self.keepalive_s = keepalive_s
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.listen_key: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._session(stop)
                backoff = 0.5
                reason = "listen key expired: reconnecting"
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = f"user stream failed ({type(exc).__name__}): reconnecting in {backoff:.1f}s"
                logger.warning(reason)
                self._down(reason)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            else:
                self._down("executor stopping" if stop.is_set() else reason)
            self.connected.clear()
            self.reconnects += 1

    def _down(self, reason: str) -> None:
        if self.connected.is_set():
            self.on_down(reason)
            self.connected.clear()

    async def _session(self, stop: asyncio.Event) -> None:
        bm = BinanceSocketManager(self.client, max_queue_size=10_000, user_timeout=self.keepalive_s)
        bm.FSTREAM_URL = self.ws_url
        socket = bm.futures_user_socket()
        # python-binance would reconnect a dropped socket by itself, without the catch-up query (fills in
        # the gap were lost), and its reconnect overrides the exit flag, so leaving the socket on the
        # error it reports hung forever. With no reconnects of its own it reports the drop and stops.
        socket.MAX_RECONNECTS = 0
        async with socket:
            self.listen_key = getattr(socket, "_listen_key", None)
            await asyncio.sleep(0.05)  # let the server register the subscription before we query
            await self.on_connect()
            self.connected.set()
            logger.info("user stream connected (listen key {}…)", (self.listen_key or "")[:8])
            while not stop.is_set():
                try:
                    msg = await asyncio.wait_for(socket.recv(), 1.0)
                except TimeoutError:
                    continue
                kind = msg.get("e") if isinstance(msg, dict) else None
                if kind == "listenKeyExpired":
                    logger.warning("listenKeyExpired: new key, resubscribe, reconcile")
                    # python-binance's exit waits for its read loop, which notices only when a read times
                    # out (10 s on a key that gets nothing more): fills in those seconds went unseen and
                    # the position had no stop. Closing the socket first ends the read loop at once.
                    if socket.ws is not None:
                        await socket.ws.close()
                    return
                if kind == "error":
                    raise ConnectionError(f"user socket error: {msg}")
                await self.on_event(msg)
