"""Closed 1m klines by REST (`GET /fapi/v1/klines`), to re-warm strategy after every (re)connect.

python-binance's AsyncClient is built directly (AsyncClient.create() would ping and time-sync against
*spot* endpoints) with `FUTURES_URL` pointed at the configured base. Binance returns the forming candle
as the last row; a row counts as closed only if its close time is before the server time read just
before the klines request (reading it after could promote a row that was still forming).
"""

from __future__ import annotations

import asyncio
from typing import Any

from binance import AsyncClient

from ingest.routes import rest_futures_url


class RestKlines:
    def __init__(self, rest_base: str, timeout_s: float) -> None:
        self._base = rest_futures_url(rest_base)
        self._timeout_s = timeout_s
        self._client: Any = None

    async def _ensure(self) -> Any:
        if self._client is None:
            client = AsyncClient(None, None)  # public endpoints only; needs the running loop
            client.FUTURES_URL = self._base
            self._client = client
        return self._client

    async def closed_klines(self, symbol: str, count: int) -> list[list[Any]]:
        """The last `count` closed 1m klines of `symbol`, oldest first."""
        client = await self._ensure()

        async def fetch() -> list[list[Any]]:
            server_ms = int((await client.futures_time())["serverTime"])
            rows = await client.futures_klines(symbol=symbol, interval="1m", limit=count + 1)
            return [row for row in rows if int(row[6]) < server_ms][-count:]

        return await asyncio.wait_for(fetch(), self._timeout_s)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close_connection()
            self._client = None
