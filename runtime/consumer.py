"""The one stream-consumer loop. Every process that reads a stream runs it; what it does with a message
is its `Handler` (a pure core's: runtime/core_handler.py; the projector's, the notifier's, ingest's
commands: `<package>/handler.py`).

A `Consumer` is one member of a consumer group (Redis's word; our group and consumer names are in
schemas/streams.py):
- joining: the group is created on each stream, an existing one being the only error tolerated
  (BUSYGROUP); messages left pending with a consumer that is gone are taken over (XAUTOCLAIM, at start and
  every `claim_every_ms`); this consumer's own pending messages are read again before anything new.
- reading: XREADGROUP `>` on every stream, handed to the handler in the order Redis appended them.
- acknowledging: only after the handler's outputs are written — in the same MULTI/EXEC as the Redis
  commands it returns, or after its own commit (the projector's PostgreSQL transaction). A message that
  wrote nothing may wait for the next commit, at most `ack_after_ms`.
- failing: a handler that raises is rolled back and its messages read again, one at a time; a message
  that has failed `max_deliveries` times moves to dlq.<stream> with the error instead of blocking the rest.
- outages (Redis's, or what the handler names) are waited out with capped backoff, then everything starts
  again from `start()`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import redis
from loguru import logger

from runtime import bus
from runtime.clock import Clock, clock_speed, system_clock
from runtime.heartbeat import heartbeat_envelope
from schemas.registry import FIELD
from schemas.streams import dlq

Command = bus.Command
REDIS_OUTAGES: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
Replies = list[tuple[str, list[bus.RawMessage]]]


class StopSignal(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Message:
    """One stream entry as delivered to this consumer ({} fields: deleted while it was pending)."""

    stream: str
    id: str
    fields: dict[bytes, bytes]

    @property
    def raw(self) -> bytes | None:
        """The encoded envelope, when the entry has one."""
        return self.fields.get(FIELD)

    @property
    def key(self) -> tuple[str, str]:
        return self.stream, self.id


@dataclass(frozen=True, slots=True)
class Handled:
    """What a handler did with `messages`: Redis `commands` to write in the same transaction as their
    acknowledgement (none: its outputs are already durable), or `defer`: nothing to write, the ack may
    wait for the next commit. No messages: a commit of its own (a timer's outputs)."""

    messages: Sequence[Message] = ()
    commands: Sequence[Command] = ()
    defer: bool = False


class Handler:
    """What a consumer supplies. Only `handle` is required; each other hook does nothing by default.

    `handle`, `due` and `stopping` yield what they did; the consumer writes and acknowledges each before
    the generator goes on, so code after a `yield` runs once that outcome is committed.
    """

    name: str = "consumer"
    outages: tuple[type[Exception], ...] = REDIS_OUTAGES
    processed: int = 0  # work done, as the heartbeat reports it

    def start(self, stop: StopSignal | None) -> None:
        """(Re)connect and restore what was committed: at start and after every outage."""

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        raise NotImplementedError

    def due(self, now: int) -> Iterator[Handled]:
        """Timers and upkeep, called every turn of the loop."""
        return iter(())

    def next_deadline(self) -> int | None:
        """The clock time at which `due` has something to do, or None (the read then blocks `block_ms`)."""
        return None

    def progress(self) -> list[Command]:
        """What to write with acknowledgements that carry no outputs (a core: its stream positions)."""
        return []

    def rollback(self) -> None:
        """`handle` raised: go back to what was committed."""

    def dead_lettered(self, message: Message) -> list[Command]:
        """What to write with the move of `message` to its dead-letter stream."""
        return []

    def stopping(self, now: int) -> Iterator[Handled]:
        """After a requested stop: the last outputs (the governor's SHUTDOWN)."""
        return iter(())

    def close(self) -> None:
        """Release connections of the handler's own (after an outage and at the end)."""


H = TypeVar("H", bound=Handler)


class Consumer(Generic[H]):
    def __init__(
        self,
        handler: H,
        client: bus.Redis,
        streams: Sequence[str],
        *,
        group: str,
        consumer: str | None = None,
        clock: Clock | None = None,
        batch: int = 100,
        block_ms: int | None = 50,
        join_at: str = "0",
        heartbeat_ms: int | None = 5_000,
        max_deliveries: int = 5,
        ack_after_ms: int = 1_000,
        claim_idle_ms: int = 30_000,
        claim_every_ms: int = 30_000,
    ) -> None:
        """`batch`: messages read per stream at a time; `block_ms`: the longest a read waits (None: never,
        for a caller with a loop of its own, see `poll`); `join_at`: where a new group starts ("$": only
        what comes after joining)."""
        self.handler = handler
        self.redis = client
        self.streams = tuple(streams)
        self.group = group
        self.consumer = consumer or group
        self.clock = clock or system_clock()
        self.batch = batch
        self.block_ms = block_ms
        self.join_at = join_at
        self.heartbeat_ms = heartbeat_ms
        self.max_deliveries = max_deliveries
        self.ack_after_ms = ack_after_ms
        self.claim_idle_ms = claim_idle_ms
        self.claim_every_ms = claim_every_ms
        self.writer = bus.Writer(client)
        self.unacked: dict[str, list[str]] = {}  # handled, acknowledged with the next commit (see Handled.defer)
        self.failures: dict[tuple[str, str], int] = {}
        self.started_ms = self.clock.now_ms()
        self._ack_due: int | None = None
        self._recovering = True
        self._isolating = False  # after a failure: one message at a time, so the failing one is known
        self._held: list[Message] = []  # read, not yet in order to hand over
        self._joined = False
        self._next_heartbeat = 0
        self._next_claim = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; the message in hand is always finished first."""
        backoff, stopped = 0.1, False
        try:
            while not stop.is_set():
                try:
                    self.start(stop)
                    while not stop.is_set():
                        self.step()
                    backoff = 0.1
                except self.handler.outages as exc:
                    self.interrupted(exc, backoff)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
            stopped = True
        finally:
            self.flush_acks_quietly()
            if stopped:
                self.finish()
            self.close()
        logger.info("{} stopped after {} messages", self.handler.name, self.handler.processed)

    def start(self, stop: StopSignal | None = None) -> None:
        """Join the groups, take over stale messages, let the handler restore, and read what is pending."""
        self.unacked, self._ack_due, self._held = {}, None, []  # still pending in their groups: read again
        for stream in self.streams:
            bus.ensure_group(self.redis, stream, self.group, start=self.join_at)
        self.claim_stale()
        self.handler.start(stop)
        self._recovering, self._isolating, self._joined = True, False, True

    def interrupted(self, exc: Exception, backoff_s: float) -> None:
        logger.warning("{}: unavailable ({!r}); retrying in {:.1f}s", self.handler.name, exc, backoff_s)
        self._joined = False
        self.handler.close()

    def finish(self) -> None:
        """After a requested stop: commit what the handler writes last. Best effort: a crash skips it too."""
        try:
            for handled in self.handler.stopping(self.clock.now_ms()):
                self.settle(handled)
        except (OSError, redis.RedisError) as exc:
            logger.warning("{}: last outputs not written at stop ({!r})", self.handler.name, exc)

    def close(self) -> None:
        """Release the handler's connections and the writer's."""
        self.handler.close()
        self.writer.close()

    def claim_stale(self) -> int:
        """XAUTOCLAIM what has been pending longer than `claim_idle_ms` (a consumer that is gone): it is
        then this consumer's and read with its own pending messages. Returns how many were taken."""
        claimed = 0
        for stream in self.streams:
            cursor = "0-0"
            while True:
                reply = self.redis.xautoclaim(stream, self.group, self.consumer, min_idle_time=self.claim_idle_ms,
                                              start_id=cursor, count=1000)  # redis-py drops the cursor of JUSTID
                cursor = _text(reply[0])
                claimed += len(reply[1])
                if cursor == "0-0":
                    break
        self._next_claim = self.clock.now_ms() + self.claim_every_ms
        return claimed

    # --- one turn of the loop --------------------------------------------------------------------

    def step(self) -> int:
        """Upkeep, then one read; returns how many messages were handed over."""
        return self.read_and_process(self.housekeeping())

    def poll(self) -> int:
        """One step for a caller with a loop of its own (ingest; `block_ms=None`: it never blocks): joins
        first, and again after any Redis error (which is raised: the caller says what it skipped)."""
        try:
            if not self._joined:
                self.start()
            return self.step()
        except redis.RedisError:
            self._joined = False
            raise

    @property
    def recovering(self) -> bool:
        """True while messages left pending (by a crash, an outage or a failed handler) are taken back."""
        return self._recovering

    @property
    def read_count(self) -> int:
        return 1 if self._isolating else self.batch

    def housekeeping(self) -> int | None:
        """Due acknowledgements, the handler's timers, heartbeat, claims; returns how long the next read may
        block (wall ms; None: it must not block)."""
        now = self.clock.now_ms()
        if self._ack_due is not None and now >= self._ack_due:
            self.flush_acks()
        for handled in self.handler.due(now):
            self.settle(handled)
        if self.heartbeat_ms is not None and now >= self._next_heartbeat:
            self.heartbeat(now)
            self._next_heartbeat = now + self.heartbeat_ms
        if now >= self._next_claim and self.claim_stale():
            self.flush_acks()
            self._recovering, self._held = True, []
        return self.wait_ms(now)

    def wait_ms(self, now: int) -> int | None:
        """How long XREADGROUP may block, in wall ms: `block_ms`, or less when the handler's deadline is
        nearer (a deadline is in clock time; a scaled clock reaches it sooner on the wall)."""
        if self.block_ms is None:
            return None
        if self._held:
            return 1  # the rest of a backlog is waiting: read it at once
        deadline = self.handler.next_deadline()
        if self._ack_due is not None:
            deadline = self._ack_due if deadline is None else min(deadline, self._ack_due)
        if deadline is None:
            return self.block_ms
        return max(1, min(self.block_ms, math.ceil((deadline - now) / clock_speed(self.clock))))

    def read_and_process(self, wait_ms: int | None) -> int:
        if self._recovering:
            replies = self.read("0", None)
            if not any(messages for _, messages in replies):
                self._recovering = self._isolating = False
                return 0
            handed = self.process_replies(replies)
            self.flush_acks()  # pending messages are read from the start of the list until acknowledged
            return handed
        return self.process_replies(self.read(">", wait_ms))

    def read(self, start: str, wait_ms: int | None) -> Replies:
        return bus.read_group(self.redis, self.group, self.consumer, dict.fromkeys(self.streams, start),
                              count=self.read_count, block=wait_ms)

    def process_replies(self, replies: Replies) -> int:
        """Hand over what was read in arrival order; returns how many messages were handed over."""
        # Across streams, take messages in the order Redis appended them (ids are append times), so an
        # intent is never decided on a book older than one that had already arrived. Ids are per stream:
        # within one millisecond, market data goes first.
        read = [Message(stream, message_id, fields) for stream, messages in replies for message_id, fields in messages]
        merged = sorted([*self._held, *read], key=lambda m: arrival_key(m.stream, m.id))
        # A stream that filled its batch may hold older messages than another stream's latest: what came
        # after its last one waits for the next read (a backlog of books must not be passed by an intent).
        cut = min((arrival_key(stream, messages[-1][0]) for stream, messages in replies
                   if len(messages) >= self.read_count), default=None)
        ready = merged if cut is None else [m for m in merged if arrival_key(m.stream, m.id) <= cut]
        # pending messages are read again from the start while recovering: nothing is held then
        self._held = [] if self._recovering else merged[len(ready):]
        if ready:
            self.hand_over(ready)
        return len(ready)

    def hand_over(self, messages: list[Message]) -> None:
        settled: set[tuple[str, str]] = set()
        outcomes = self.handler.handle(messages)
        while True:
            try:
                handled = next(outcomes)
            except StopIteration:
                return
            except self.handler.outages:
                raise
            except Exception as exc:
                self.failed([m for m in messages if m.key not in settled], exc)
                return
            self.settle(handled)
            settled.update(m.key for m in handled.messages)

    # --- writing ---------------------------------------------------------------------------------

    def settle(self, handled: Handled) -> None:
        """Write what the handler returned with the acknowledgements due (or defer them)."""
        for message in handled.messages:
            self.unacked.setdefault(message.stream, []).append(message.id)
            if self.failures:
                self.failures.pop(message.key, None)
        if handled.defer:
            if self._ack_due is None and self.unacked:
                self._ack_due = self.clock.now_ms() + self.ack_after_ms
            return
        commands = [*handled.commands, *self._acks()]
        if commands:
            self.writer.transaction(commands)
        self.unacked, self._ack_due = {}, None

    def flush_acks(self) -> None:
        """Acknowledge every deferred message now, with the handler's progress."""
        if self.unacked:
            self.writer.transaction([*self.handler.progress(), *self._acks()])
        self.unacked, self._ack_due = {}, None

    def flush_acks_quietly(self) -> None:
        """At shutdown: best effort (what is not acknowledged is read again at the next start)."""
        try:
            self.flush_acks()
        except (OSError, redis.RedisError) as exc:
            logger.warning("deferred acks not written at shutdown ({}); they are re-read at start", exc)

    def _acks(self) -> list[Command]:
        return [("XACK", stream, self.group, *ids) for stream, ids in self.unacked.items()]

    def failed(self, pending: list[Message], exc: Exception) -> None:
        """The handler raised on `pending` (nothing of it committed): roll back, read them again one at a
        time, and move the first to its dead-letter stream once it has failed `max_deliveries` times."""
        self.flush_acks()  # what was handled before is done
        self.handler.rollback()
        self._recovering, self._isolating, self._held = True, True, []
        message = pending[0]
        attempts = self.failures.get(message.key, 0) + 1
        self.failures[message.key] = attempts
        if attempts < self.max_deliveries:
            logger.opt(exception=exc).error("{} failed on {} {} (attempt {}; {} message(s) read again)",
                                            self.handler.name, message.stream, message.id, attempts, len(pending))
            return
        logger.opt(exception=exc).error("moving {} from {} to {} after {} failures",
                                        message.id, message.stream, dlq(message.stream), attempts)
        self.writer.transaction([
            ("XADD", dlq(message.stream), "*", FIELD, message.raw or b"", b"stream", message.stream, b"id",
             message.id, b"error", repr(exc)[:2000]),
            *self.handler.dead_lettered(message),
            ("XACK", message.stream, self.group, message.id),
        ])
        self.failures.pop(message.key, None)

    def heartbeat(self, now: int) -> None:
        lag = bus.group_lag(self.redis, self.streams, self.group) - sum(map(len, self.unacked.values()))
        bus.append(self.redis, [heartbeat_envelope(self.handler.name, self.started_ms, self.handler.processed,
                                                   max(0, lag), now)])


def arrival_key(stream: str, message_id: str) -> tuple[int, int, int]:
    ms, seq = bus.id_key(message_id)
    return ms, 0 if stream.startswith("md.") else 1, seq


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
