"""A core that never changes a state in place may say so; its consumer then writes a snapshot only when the
state changed (the same object back means no change). Other cores get a snapshot with every entry.
An entry that changed nothing and emitted nothing gets no transaction of its own: its position and ack go
out with the next commit, or `ack_after_ms` later."""

from __future__ import annotations

import redis

from runtime import bus
from runtime.clock import VirtualClock
from runtime.core import Decision
from runtime.core_handler import CoreConsumer
from schemas.envelope import Envelope
from schemas.registry import FIELD, encode
from schemas.streams import STATE_KEY_PREFIX
from tests.runtime.counting_core import IN, CountingCore, CountState, CountTick
from tests.runtime.test_core_handler import ticks


class EvenOnlyCore(CountingCore):
    """Counts even ticks; an odd tick leaves the state as it was. Counts its snapshots."""

    name = "even-only"

    def __init__(self, declares_unchanged: bool = True) -> None:
        super().__init__()
        self.snapshots = 0
        self.same_state_means_unchanged = declares_unchanged

    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        assert isinstance(event.payload, CountTick)
        if event.payload.n % 2:
            return Decision(state)
        return super().decide(state, event, now)

    def snapshot(self, state: CountState) -> bytes:
        self.snapshots += 1
        return super().snapshot(state)


def text(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def process_all(runner: CoreConsumer[CountState], start: bool = True) -> None:
    if start:
        runner.start()
    while True:
        replies = bus.read_group(runner.redis, runner.group, runner.consumer, {IN: ">"}, count=100)
        if not any(found for _stream, found in replies):
            return
        runner.process_replies(replies)
        assert not runner.failures


def test_core_consumer_when_core_leaves_state_unchanged_writes_no_new_snapshot_but_advances(
        redis_client: redis.Redis) -> None:
    ids = [text(redis_client.xadd(IN, {FIELD: encode(e)})) for e in ticks([2, 1, 3, 4, 5])]
    core = EvenOnlyCore()
    runner = CoreConsumer(core, redis_client, heartbeat_ms=None)

    process_all(runner)
    runner.flush_acks()

    assert core.snapshots == 2  # after tick 2 and tick 4; ticks 1, 3 and 5 changed nothing
    saved = redis_client.hgetall(STATE_KEY_PREFIX + core.name)
    assert saved[b"processed"] == b"5"
    assert bus.compare_ids(runner.positions[IN], ids[-1]) == 0
    restarted = CoreConsumer(EvenOnlyCore(), redis_client, heartbeat_ms=None)
    restarted.restore()
    assert restarted.state.total == 2 and restarted.positions == runner.positions


def test_core_consumer_when_core_does_not_declare_it_snapshots_every_entry(redis_client: redis.Redis) -> None:
    for e in ticks([2, 1, 3]):
        redis_client.xadd(IN, {FIELD: encode(e)})
    core = EvenOnlyCore(declares_unchanged=False)

    process_all(CoreConsumer(core, redis_client, heartbeat_ms=None))

    assert core.snapshots == 3


def pending(client: redis.Redis, group: str) -> int:
    return int(client.xpending(IN, group)["pending"])


def test_core_consumer_when_entry_changes_nothing_acks_it_with_the_next_commit(redis_client: redis.Redis) -> None:
    for e in ticks([2, 1, 3]):
        redis_client.xadd(IN, {FIELD: encode(e)})
    core = EvenOnlyCore()
    runner = CoreConsumer(core, redis_client, heartbeat_ms=None)

    process_all(runner)
    assert pending(redis_client, core.name) == 2  # 1 and 3: processed, no transaction yet

    redis_client.xadd(IN, {FIELD: encode(ticks([4])[0])})
    process_all(runner, start=False)

    assert pending(redis_client, core.name) == 0
    assert redis_client.hget(STATE_KEY_PREFIX + core.name, "processed") == b"4"


def test_core_consumer_when_idle_acks_deferred_entries_after_ack_after_ms(redis_client: redis.Redis) -> None:
    for e in ticks([2, 1]):
        redis_client.xadd(IN, {FIELD: encode(e)})
    clock = VirtualClock(1_000)
    runner = CoreConsumer(EvenOnlyCore(), redis_client, clock=clock, block_ms=5_000, heartbeat_ms=None,
                          ack_after_ms=500)
    process_all(runner)
    assert runner.wait_ms(clock.now_ms()) == 500  # the read wakes up in time to acknowledge

    clock.advance_to(1_499)
    runner.housekeeping()
    assert pending(redis_client, runner.group) == 1
    clock.advance_to(1_500)
    runner.housekeeping()

    assert pending(redis_client, runner.group) == 0
    assert redis_client.hget(STATE_KEY_PREFIX + runner.core.name, "processed") == b"2"


def test_core_consumer_when_killed_before_deferred_acks_reprocesses_them_to_the_same_state(
        redis_client: redis.Redis) -> None:
    for e in ticks([2, 1, 3]):
        redis_client.xadd(IN, {FIELD: encode(e)})
    process_all(CoreConsumer(EvenOnlyCore(), redis_client, heartbeat_ms=None))  # then "killed": no flush

    core = EvenOnlyCore()
    restarted = CoreConsumer(core, redis_client, heartbeat_ms=None)
    restarted.start()
    while restarted.recovering:
        restarted.read_and_process(1)
    restarted.flush_acks()

    assert restarted.state.total == 1 and core.snapshots == 0
    assert pending(redis_client, core.name) == 0
    assert redis_client.hget(STATE_KEY_PREFIX + core.name, "processed") == b"3"
    assert redis_client.xlen("test.out") == 1  # tick 2's output, once
