"""python-binance signs with the bot's clock: wall clock as before, a scaled clock when one is set."""

from __future__ import annotations

import asyncio
import time

from binance import AsyncClient

from executor.binance import ClockedClient, make_client
from runtime.clock import ScaledClock, WallClock


def test_make_client_when_wall_clock_is_python_binances_own_client() -> None:
    async def main() -> None:
        client = make_client("k", "s", WallClock())
        try:
            assert type(client) is AsyncClient
        finally:
            await client.close_connection()

    asyncio.run(main())


def test_clocked_client_when_clock_scaled_signs_clock_time_plus_the_venue_offset() -> None:
    async def main() -> None:
        clock = ScaledClock(50, 1_700_000_000_000, time.time_ns() // 1_000_000 - 10_000)
        client = make_client("k", "s", clock)
        try:
            assert isinstance(client, ClockedClient)
            client.timestamp_offset = 250  # what sync_time learnt: venue − our clock
            signed = time.time() * 1000 + client.timestamp_offset  # python-binance's own formula
            assert abs(signed - (clock.now_ms() + 250)) <= 2
        finally:
            await client.close_connection()

    asyncio.run(main())
