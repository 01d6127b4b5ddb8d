"""The API heartbeats like the workers (process list, RSS in the bench), counting the requests it served."""

from __future__ import annotations

import asyncio
import os
import time
from typing import cast

import redis
import redis.asyncio as aioredis
from fastapi.testclient import TestClient

from api import heartbeat
from schemas.registry import FIELD, decode
from schemas.streams import HEARTBEATS
from schemas.system import ProcessHeartbeat


def api_beats(client: redis.Redis) -> list[ProcessHeartbeat]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(HEARTBEATS))
    beats = [decode(fields[FIELD]).payload for _id, fields in entries]
    return [b for b in beats if isinstance(b, ProcessHeartbeat) and b.process == "api"]


def test_api_when_started_writes_a_heartbeat(client: TestClient, redis_client: redis.Redis) -> None:
    deadline = time.monotonic() + 5
    while not api_beats(redis_client) and time.monotonic() < deadline:
        time.sleep(0.02)  # the lifespan's first beat is written as the app starts

    [beat] = api_beats(redis_client)[:1]
    assert beat.pid == os.getpid() and beat.rss_mb > 0 and beat.lag == 0


def test_beat_when_requests_served_reports_them_every_interval(redis_url: str, redis_client: redis.Redis) -> None:
    counter = heartbeat.RequestCounter()

    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url)
        stop = asyncio.Event()
        task = asyncio.create_task(heartbeat.beat(client, counter, stop, every_s=0.05))
        await asyncio.sleep(0.02)
        counter.served = 7
        await asyncio.sleep(0.06)
        stop.set()
        await asyncio.wait_for(task, 1.0)
        await client.aclose()

    asyncio.run(run())

    assert [b.events_processed for b in api_beats(redis_client)][:2] == [0, 7]
