"""A local webhook (aiohttp on 127.0.0.1) that records what it receives and can be told to fail."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

from aiohttp import web


class FakeWebhook:
    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []
        self.fail_with: int | None = None  # answer every request with this status
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, path: str = "/services/T000/B000/XXXX") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path_qs, await request.json()))
        if self.fail_with is not None:
            return web.Response(status=self.fail_with, text="nope")
        return web.json_response({"ok": True})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = cast(Any, server).sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
