"""A pure core behind the shared consumer against a real Redis: skips, dead letters, timers, restore, trimming,
heartbeats."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import orjson
import redis

from runtime import bus
from runtime.clock import VirtualClock
from runtime.core import Decision, Emit, envelopes
from runtime.core_handler import CoreConsumer
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode, encode
from schemas.streams import GROUP_PROJECTOR, HEARTBEATS, dlq
from schemas.system import CoreRestored, ProcessHeartbeat
from tests.runtime.counting_core import IN, OUT, CountingCore, CountState, CountTick, CountTimerFired
from tests.support.streams import entries


def ticks(numbers: list[int], ts: int = 1_000) -> list[Envelope]:
    return envelopes([Emit(CountTick(n=n)) for n in numbers], source="test", cause_id=f"t{numbers}", now=ts)


@contextmanager
def running(runner: CoreConsumer[CountState]) -> Iterator[CoreConsumer[CountState]]:
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        stop.set()
        thread.join(10)


def wait_until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def outputs(client: redis.Redis, stream: str = OUT) -> list[Envelope]:
    return [decode(fields[FIELD]) for _, fields in entries(client, stream)]


def test_core_consumer_when_entry_unknown_or_malformed_skips_it_and_keeps_going(redis_client: redis.Redis) -> None:
    redis_client.xadd(IN, {FIELD: orjson.dumps({"type": "FromTheFuture", "v": 1})})
    redis_client.xadd(IN, {FIELD: b"{not json"})
    redis_client.xadd(IN, {b"other": b"field"})
    bus.append(redis_client, ticks([1]))
    with running(CoreConsumer(CountingCore(), redis_client)):
        wait_until(lambda: redis_client.xlen(OUT) == 1)
        wait_until(lambda: redis_client.xpending(IN, "counter")["pending"] == 0)
    assert redis_client.xlen(IN) == 4, "skipped entries stay on the stream: nothing is lost"


class FailingOn(CountingCore):
    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        assert isinstance(event.payload, CountTick)
        if event.payload.n == 13:
            raise ValueError("unlucky")
        return super().decide(state, event, now)


def test_core_consumer_when_core_keeps_failing_moves_entry_to_dead_letter_stream(redis_client: redis.Redis) -> None:
    bus.append(redis_client, ticks([12, 13, 14]))
    with running(CoreConsumer(FailingOn(), redis_client, max_deliveries=3)):
        wait_until(lambda: redis_client.xlen(OUT) == 2)
    dead = entries(redis_client, dlq(IN))
    assert len(dead) == 1
    assert decode(dead[0][1][FIELD]).payload == CountTick(n=13)
    assert b"unlucky" in dead[0][1][b"error"]
    assert [e.payload.n for e in outputs(redis_client)] == [12, 14]  # type: ignore[attr-defined]


class TwoInputs(CountingCore):
    inputs = (IN, IN + ".other")


def test_core_consumer_when_one_stream_has_a_backlog_bigger_than_a_batch_takes_every_entry_in_arrival_order(
        redis_client: redis.Redis) -> None:
    # 250 entries on one stream, one on another stream appended in the middle of them: a batch of 100 from
    # each stream must not let the late one pass the 150 older entries still unread behind the first batch
    for n in range(1, 251):
        redis_client.xadd(IN, {FIELD: encode(ticks([n], ts=n)[0])}, id=f"{n}-0")
    redis_client.xadd(IN + ".other", {FIELD: encode(ticks([150_500], ts=150)[0])}, id="150-1")
    with running(CoreConsumer(TwoInputs(), redis_client, batch=100)):
        wait_until(lambda: redis_client.xlen(OUT) == 251)
    seen = [e.payload.n for e in outputs(redis_client)]  # type: ignore[attr-defined]
    assert seen == [*range(1, 151), 150_500, *range(151, 251)]


def test_core_consumer_when_restarted_restores_snapshot_and_continues(redis_client: redis.Redis) -> None:
    bus.append(redis_client, ticks([1, 2, 3]))
    with running(CoreConsumer(CountingCore(), redis_client)):
        wait_until(lambda: redis_client.xlen(OUT) == 3)
    bus.append(redis_client, ticks([4], ts=2_000))
    second = CoreConsumer(CountingCore(), redis_client)
    with running(second):
        wait_until(lambda: redis_client.xlen(OUT) == 4)
    assert second.state.total == 4
    assert [e.payload.total for e in outputs(redis_client)] == [1, 2, 3, 4]  # type: ignore[attr-defined]


def test_core_consumer_when_deadline_passes_fires_timer_from_its_clock(redis_client: redis.Redis) -> None:
    clock = VirtualClock(1_000)
    bus.append(redis_client, ticks([1], ts=1_000))
    runner = CoreConsumer(CountingCore(report_every_ms=500), redis_client, clock=clock, block_ms=10)
    with running(runner):
        wait_until(lambda: redis_client.xlen(OUT) == 1)
        clock.advance_to(1_600)
        wait_until(lambda: redis_client.xlen(OUT) == 2)
    fired = outputs(redis_client)[1]
    assert isinstance(fired.payload, CountTimerFired)
    assert fired.ts == 1_600
    assert fired.causation_id == "timer/counter/1600"


def test_core_consumer_when_running_records_its_start_then_writes_process_heartbeats(redis_client: redis.Redis) -> None:
    with running(CoreConsumer(CountingCore(), redis_client, heartbeat_ms=50)):
        wait_until(lambda: redis_client.xlen(HEARTBEATS) >= 3)
    restored, beat = (e.payload for e in outputs(redis_client, HEARTBEATS)[:2])
    assert isinstance(restored, CoreRestored) and restored.process == "counter"
    assert (restored.from_snapshot, restored.positions, restored.processed) == (False, {}, 0)
    assert isinstance(beat, ProcessHeartbeat) and beat.process == "counter" and beat.rss_mb > 0


def test_trim_when_projector_has_not_read_keeps_every_unconsumed_entry(redis_client: redis.Redis) -> None:
    stream = "signals"
    for i in range(50):
        redis_client.xadd(stream, {FIELD: b"x"}, id=f"{1_000 + i}-0")
    late = 10**13
    assert bus.trim(redis_client, stream, now_ms=late, retention_ms=0, approximate=False) == 0  # no projector yet
    bus.ensure_group(redis_client, stream, GROUP_PROJECTOR)
    delivered = bus.read_group(redis_client, GROUP_PROJECTOR, "p", {stream: ">"}, count=20)
    assert bus.trim(redis_client, stream, now_ms=late, retention_ms=0, approximate=False) == 0  # pending: kept
    redis_client.xack(stream, GROUP_PROJECTOR, *[entry_id for entry_id, _ in delivered[0][1]])
    assert bus.trim(redis_client, stream, now_ms=late, retention_ms=0, approximate=False) == 19
    assert entries(redis_client, stream)[0][0] == b"1019-0"


def test_trim_when_entries_are_within_retention_keeps_them(redis_client: redis.Redis) -> None:
    stream = "signals"
    for i in range(10):
        redis_client.xadd(stream, {FIELD: b"x"}, id=f"{1_000 + i}-0")
    bus.ensure_group(redis_client, stream, GROUP_PROJECTOR)
    delivered = bus.read_group(redis_client, GROUP_PROJECTOR, "p", {stream: ">"}, count=10)
    redis_client.xack(stream, GROUP_PROJECTOR, *[entry_id for entry_id, _ in delivered[0][1]])
    assert bus.trim(redis_client, stream, now_ms=1_005, retention_ms=0, approximate=False) == 5


def test_arrival_key_when_same_millisecond_on_two_streams_puts_market_data_first() -> None:
    from runtime.consumer import arrival_key

    entries = [("intents", "5-0"), ("md.BTCUSDT", "5-0"), ("md.BTCUSDT", "4-3"), ("intents", "5-1")]
    assert sorted(entries, key=lambda e: arrival_key(*e)) == [
        ("md.BTCUSDT", "4-3"), ("md.BTCUSDT", "5-0"), ("intents", "5-0"), ("intents", "5-1")]
