"""The hot path of the ingest process (Ingest.on_frame → Redis) with fixture frames and real Redis."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
import redis
from loguru import logger

from ingest.options import IngestOptions
from ingest.service import Ingest
from runtime.clock import ScaledClock
from schemas.config import BotConfig
from schemas.market import BookTickerUpdated, LiquidationObserved
from tests.ingest.harness import read_stream
from tests.support.services import RedisServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "binance"


def wrapped(name: str, stream: str, **changes: Any) -> bytes:
    data = orjson.loads((FIXTURES / f"{name}.json").read_bytes())
    data.update(changes)
    return orjson.dumps({"stream": stream, "data": data})


def feed_frames(ingest: Ingest, frames: list[tuple[str, bytes, int]]) -> None:
    async def main() -> None:
        for route, raw, recv_ts in frames:
            ingest.on_frame(route, raw, recv_ts)  # type: ignore[arg-type]
            await asyncio.sleep(0)

    asyncio.run(main())


def test_on_frame_when_frames_bad_or_unexpected_counts_logs_once_each_and_publishes_the_good_one(
        redis_client: redis.Redis, tmp_path: Path) -> None:
    ingest = Ingest(redis_client, BotConfig(), "http://127.0.0.1:9", IngestOptions(record=tmp_path / "r.jsonl"))
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    bad = b'{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","o":'
    try:
        feed_frames(ingest, [
            ("market", bad, 1), ("market", bad, 2),
            ("market", wrapped("aggTrade", "btcusdt@aggTrade"), 3),
            ("market", wrapped("aggTrade", "btcusdt@aggTrade"), 4),
            ("market", b'{"result":null,"id":1}', 5),
            ("market", wrapped("forceOrder", "btcusdt@forceOrder"), 6),
        ])
    finally:
        logger.remove(sink)

    assert dict(ingest.stats.counts) == {"bad_json": 2, "unexpected_event:aggTrade": 2, "reply": 1}
    assert ingest.stats.malformed == 2
    assert len(warnings) == 2  # one per kind, none for the subscription reply
    assert any("bad_json" in w and "sample" in w for w in warnings)
    events = read_stream(redis_client, "md.BTCUSDT")
    assert [type(e.payload) for e in events] == [LiquidationObserved]
    assert events[0].recv_ts == 6
    assert ingest.recorder is not None
    ingest.recorder.close()
    assert len((tmp_path / "r.jsonl").read_bytes().splitlines()) == 3  # both aggTrades and the liquidation


def test_on_frame_when_books_arrive_inside_interval_publishes_first_and_holds_latest(
        redis_client: redis.Redis) -> None:
    ingest = Ingest(redis_client, BotConfig(), "http://127.0.0.1:9", IngestOptions(book_conflate_ms=100))
    frames = [("public", wrapped("bookTicker", "btcusdt@bookTicker", s="BTCUSDT", u=u), 1_000 + u)
              for u in range(1, 6)]
    frames.append(("market", wrapped("forceOrder", "btcusdt@forceOrder"), 1_010))

    feed_frames(ingest, frames)

    events = read_stream(redis_client, "md.BTCUSDT")
    books = [e.payload for e in events if isinstance(e.payload, BookTickerUpdated)]
    assert [b.update_id for b in books] == [1]
    assert [e.envelope["payload"]["update_id"] for e in ingest.conflator.due(1_101)] == [5]
    assert sum(isinstance(e.payload, LiquidationObserved) for e in events) == 1  # never conflated


def test_on_frame_when_redis_down_holds_liquidations_sheds_books_and_publishes_after_restart(
        tmp_path: Path) -> None:
    server = RedisServer(appendonly=True)  # keeps what was written before the outage
    server.start()
    client = redis.Redis(port=server.port, socket_connect_timeout=1, socket_timeout=2)
    ingest = Ingest(client, BotConfig(), "http://127.0.0.1:9", IngestOptions(book_conflate_ms=0))
    try:
        feed_frames(ingest, [("market", wrapped("forceOrder", "btcusdt@forceOrder"), 1)])
        server.stop()
        feed_frames(ingest, [
            ("public", wrapped("bookTicker", "btcusdt@bookTicker", s="BTCUSDT"), 2),
            ("market", wrapped("forceOrder", "btcusdt@forceOrder", E=5), 3),  # flush fails: Redis is down
            ("public", wrapped("bookTicker", "btcusdt@bookTicker", s="BTCUSDT", u=2), 4),
            ("market", wrapped("forceOrder", "ethusdt@forceOrder", o={
                **orjson.loads((FIXTURES / "forceOrder.json").read_bytes())["o"], "s": "ETHUSDT"}), 5),
        ])
        assert ingest.shed >= 1 and len(ingest.publisher) >= 1
        server.start()
        ingest.flush()

        btc = read_stream(client, "md.BTCUSDT")
        eth = read_stream(client, "md.ETHUSDT")
        assert sum(isinstance(e.payload, LiquidationObserved) for e in btc) == 2  # the same liquidation twice
        assert len({e.id for e in btc if isinstance(e.payload, LiquidationObserved)}) == 1  # same id
        assert [type(e.payload) for e in eth] == [LiquidationObserved]
        assert len(ingest.publisher) == 0
    finally:
        ingest.publisher.close()
        server.stop()


def test_ingest_when_given_a_clock_stamps_receive_times_and_timers_with_it(redis_client: redis.Redis) -> None:
    clock = ScaledClock(20.0, origin_ms=1_234_567, wall_ms=time.time_ns() // 1_000_000)

    ingest = Ingest(redis_client, BotConfig(), "http://127.0.0.1:9", IngestOptions(), clock=clock)

    assert 1_234_567 <= ingest.started_ms < 1_234_567 + 60_000
    assert ingest.speed == 20.0
    assert all(conn.now_ms == clock.now_ms for conn in ingest.connections.values())
