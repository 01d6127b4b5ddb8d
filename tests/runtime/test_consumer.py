"""The one consumer loop against a real Redis, with a handler of the tests' own: joining, recovery, claims of
stale messages, acknowledgement with the handler's outputs, isolation of a failing batch, dead letters."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import pytest
import redis

from runtime.clock import VirtualClock
from runtime.consumer import Consumer, Handled, Handler, Message
from schemas.registry import FIELD
from schemas.streams import dlq
from tests.support.streams import entries

IN, OTHER, OUT = "test.consumer.in", "test.consumer.other", "test.consumer.out"


class Recorder(Handler):
    """Handles a batch at once, like the projector: one output per message, written with the acks. Fails on
    every batch that holds `poison`."""

    name = "recorder"

    def __init__(self, poison: bytes | None = None) -> None:
        self.poison = poison
        self.batches: list[list[bytes]] = []
        self.starts = 0

    def start(self, stop: object = None) -> None:
        self.starts += 1

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        payloads = [m.raw or b"" for m in messages]
        self.batches.append(payloads)
        if self.poison in payloads:
            raise ValueError("poisoned batch")
        yield Handled(messages, [("XADD", OUT, "*", FIELD, raw) for raw in payloads])

    @property
    def handled(self) -> list[bytes]:
        return [raw for batch in self.batches for raw in batch if self.poison not in batch]


def consumer(client: redis.Redis, handler: Recorder, **options: object) -> Consumer[Recorder]:
    return Consumer(handler, client, (IN, OTHER), group="recorders", clock=VirtualClock(1_000), block_ms=1,
                    heartbeat_ms=None, **options)  # type: ignore[arg-type]


def add(client: redis.Redis, stream: str, *payloads: bytes) -> None:
    for payload in payloads:
        client.xadd(stream, {FIELD: payload})
        time.sleep(0.002)  # ids are per stream: within one millisecond they do not order two streams


def outputs(client: redis.Redis) -> list[bytes]:
    return [fields[FIELD] for _, fields in entries(client, OUT)]


def pending(client: redis.Redis, stream: str = IN) -> int:
    return int(client.xpending(stream, "recorders")["pending"])


def drain(c: Consumer[Recorder], steps: int = 50) -> None:
    """Step until two reads in a row hand nothing over (the pending pass, then the new one)."""
    c.start()
    empty = 0
    for _ in range(steps):
        empty = empty + 1 if c.step() == 0 else 0
        if empty >= 2:
            return


def test_consumer_when_started_twice_joins_the_existing_group_and_refuses_any_other_error(
        redis_client: redis.Redis) -> None:
    consumer(redis_client, Recorder()).start()
    consumer(redis_client, Recorder()).start()  # BUSYGROUP: the group is there already
    redis_client.set(OTHER, "not a stream")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        consumer(redis_client, Recorder()).start()


def test_consumer_when_messages_arrive_writes_outputs_and_acks_in_arrival_order(redis_client: redis.Redis) -> None:
    add(redis_client, IN, b"a")
    add(redis_client, OTHER, b"b")
    add(redis_client, IN, b"c")
    drain(consumer(redis_client, Recorder()))
    assert outputs(redis_client) == [b"a", b"b", b"c"]
    assert pending(redis_client) == pending(redis_client, OTHER) == 0


def test_consumer_when_restarted_reads_its_own_pending_messages_before_new_ones(redis_client: redis.Redis) -> None:
    add(redis_client, IN, b"a", b"b")
    first = consumer(redis_client, Recorder())
    first.start()
    first.read(">", None)  # delivered, then the process died before handling them
    add(redis_client, IN, b"c")
    handler = Recorder()
    restarted = consumer(redis_client, handler)
    restarted.start()
    restarted.step()
    assert handler.batches == [[b"a", b"b"]]  # the pending ones alone, before anything new
    drain(restarted)
    assert outputs(redis_client) == [b"a", b"b", b"c"] and pending(redis_client) == 0


def test_consumer_when_messages_stay_pending_with_a_consumer_that_is_gone_claims_them(
        redis_client: redis.Redis) -> None:
    add(redis_client, IN, b"a")
    c = consumer(redis_client, Recorder(), claim_idle_ms=0, claim_every_ms=0)
    c.start()
    add(redis_client, IN, b"b")
    redis_client.xreadgroup("recorders", "gone", {IN: ">"}, count=10)  # b and a go to a consumer that dies
    for _ in range(10):
        c.step()  # claimed on the way, not only at start
    assert sorted(outputs(redis_client)) == [b"a", b"b"]
    assert pending(redis_client) == 0


def test_consumer_when_a_batch_fails_isolates_the_failing_message_and_dead_letters_it(
        redis_client: redis.Redis) -> None:
    add(redis_client, IN, b"a", b"poison", b"c")
    add(redis_client, OTHER, b"d")
    handler = Recorder(poison=b"poison")
    drain(consumer(redis_client, handler, max_deliveries=3))
    assert outputs(redis_client) == [b"a", b"c", b"d"]
    assert [b for b in handler.batches if b == [b"poison"]] == [[b"poison"]] * 3  # alone, N times
    (dead,) = entries(redis_client, dlq(IN))
    assert dead[1][FIELD] == b"poison" and b"poisoned batch" in dead[1][b"error"]
    assert pending(redis_client) == pending(redis_client, OTHER) == 0


def test_consumer_when_joined_at_the_end_takes_only_what_comes_after_and_polls_without_blocking(
        redis_client: redis.Redis) -> None:
    add(redis_client, IN, b"old")
    add(redis_client, OTHER, b"old")
    handler = Recorder()
    c = Consumer(handler, redis_client, (IN, OTHER), group="recorders", block_ms=None, join_at="$",
                 heartbeat_ms=None)
    assert c.poll() == 0 and c.poll() == 0  # joined, nothing pending, nothing new: returns at once
    add(redis_client, IN, b"new")
    assert c.poll() == 1
    assert outputs(redis_client) == [b"new"] and handler.starts == 1
