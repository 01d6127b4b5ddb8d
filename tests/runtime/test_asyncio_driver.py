"""A core consumer driven from an asyncio loop (runtime/asyncio_driver.py), against a real Redis."""

from __future__ import annotations

import asyncio
import threading

import redis

from runtime.asyncio_driver import AsyncioDriver, parse_xreadgroup
from runtime.core_handler import CoreConsumer
from schemas.registry import FIELD, decode, encode
from tests.runtime.counting_core import IN, OUT, CountingCore, CountSeen
from tests.runtime.test_core_handler import ticks


def test_asyncio_driver_when_messages_arrive_processes_them_while_the_loop_stays_free(
        redis_client: redis.Redis) -> None:
    runner = CoreConsumer(CountingCore(), redis_client, heartbeat_ms=None)
    stop = threading.Event()
    loop_turns = 0

    async def main() -> None:
        nonlocal loop_turns
        driver = asyncio.create_task(AsyncioDriver(runner).run(stop))
        await asyncio.sleep(0.2)
        for envelope in ticks([1, 2, 3]):
            redis_client.xadd(IN, {FIELD: encode(envelope)})
        for _ in range(500):  # the loop keeps turning while the driver waits on Redis
            loop_turns += 1
            if redis_client.xlen(OUT) >= 3:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(driver, 5)

    asyncio.run(main())

    seen = [decode(fields[FIELD]).payload for _id, fields in redis_client.xrange(OUT)]  # type: ignore[index,union-attr]
    assert [p.total for p in seen if isinstance(p, CountSeen)] == [1, 2, 3]
    assert runner.processed == 3 and loop_turns >= 1


def test_parse_xreadgroup_when_resp2_or_resp3_gives_the_same_entries() -> None:
    resp2 = [[b"s", [[b"1-0", [b"f", b"v"]], [b"2-0", None]]]]
    resp3 = {b"s": [[b"1-0", [b"f", b"v"]], [b"2-0", None]]}

    expected = [("s", [("1-0", {b"f": b"v"}), ("2-0", {})])]
    assert parse_xreadgroup(resp2) == expected
    assert parse_xreadgroup(resp3) == expected
    assert parse_xreadgroup(None) == []
