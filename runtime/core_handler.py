"""A pure core behind the shared consumer (DESIGN §3): one MULTI/EXEC per event.

For each input message the handler decodes it, asks the core, and returns the outputs and the core's
snapshot with the stream positions; the consumer writes them with the message's ack in one transaction.
A process killed at any instant resumes exactly where it stopped: the transaction either happened or it
did not, and a re-processed message yields the same outputs with the same ids. A message that emitted
nothing and left the state as it was (a core declaring `same_state_means_unchanged`) gets no transaction
of its own: its ack rides on the next one, or goes out within the consumer's `ack_after_ms`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic

import orjson
from loguru import logger

from runtime import bus
from runtime.clock import Clock, system_clock
from runtime.consumer import Command, Consumer, Handled, Handler, Message, StopSignal
from runtime.core import Core, Emit, S, ShutdownHook, envelopes, timer_cause
from schemas.envelope import Envelope
from schemas.registry import FIELD, SkipEvent, decode, encode, stream_of
from schemas.streams import STATE_KEY_PREFIX
from schemas.system import CoreRestored

CommitHook = Callable[[Envelope | None, Sequence[Envelope]], None]
STOPPED = "process stopped (SIGTERM/SIGINT)"


class CoreHandler(Handler, Generic[S]):
    def __init__(self, core: Core[S], client: bus.Redis, clock: Clock, *, trim_every_ms: int = 30_000,
                 retention_ms: int = 7 * 86_400_000, on_commit: CommitHook | None = None,
                 shutdown_cause: str = STOPPED) -> None:
        self.core = core
        self.name = core.name
        self.redis = client
        self.clock = clock
        self.state_key = STATE_KEY_PREFIX + core.name
        self.trim_every_ms = trim_every_ms
        self.retention_ms = retention_ms
        self.on_commit = on_commit
        self.shutdown_cause = shutdown_cause
        self.state: S = core.initial_state()
        self._saved_state: S | None = None  # the state whose snapshot the hash holds (after a commit)
        self.positions: dict[str, str] = {}
        self.processed = 0
        self.skipped_kinds: set[str] = set()
        self.written_streams: set[str] = set()
        self._last_timer_now = -1
        self._next_trim = 0
        self._starts = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, stop: StopSignal | None = None) -> None:
        self.restore()
        self.announce_restore()

    def announce_restore(self) -> None:
        """Record where the core restarted (schemas.system.CoreRestored): what replay needs to restart it
        at the same point."""
        self._starts += 1
        payload = CoreRestored(process=self.name, pid=os.getpid(), positions=dict(self.positions),
                               processed=self.processed, from_snapshot=self._saved_state is not None)
        cause = f"restored/{self.name}/{os.getpid()}/{self._starts}"
        bus.append(self.redis, envelopes([Emit(payload)], source=self.name, cause_id=cause, now=self.clock.now_ms()))

    @property
    def restored_from_snapshot(self) -> bool:
        """Whether the last restore found a saved snapshot (False: the core started from scratch)."""
        return self._saved_state is not None

    def restore(self) -> None:
        saved: dict[bytes, bytes] = self.redis.hgetall(self.state_key)  # type: ignore[assignment]
        if saved.get(b"snapshot") is not None:
            self.state = self.core.restore(saved[b"snapshot"])
            self.positions = orjson.loads(saved.get(b"positions", b"{}"))
            self.processed = int(saved.get(b"processed", 0))
            self._last_timer_now = int(saved.get(b"timer_now", -1))
            self._saved_state = self.state
        else:
            self.state, self.positions, self.processed = self.core.initial_state(), {}, 0
            self._saved_state = None

    def rollback(self) -> None:
        # a core may have changed its state in place before failing: go back to the committed snapshot
        self.restore()

    # --- messages --------------------------------------------------------------------------------

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        for message in messages:
            yield from self.handle_one(message)

    def handle_one(self, message: Message) -> Iterator[Handled]:
        seen = self.positions.get(message.stream)
        if seen is not None and bus.compare_ids(message.id, seen) <= 0:
            yield Handled((message,), defer=True)  # taken back after a crash: handled before it
            return
        raw = message.raw
        try:
            if raw is None:
                raise SkipEvent("malformed", f"entry has no {FIELD.decode()!r} field")
            event = decode(raw)
        except SkipEvent as skip:
            if skip.kind not in self.skipped_kinds:
                self.skipped_kinds.add(skip.kind)
                logger.warning("skipping {} entry {} on {}: {}", skip.kind, message.id, message.stream, skip.detail)
            yield self.commit(message, [])
            self.committed(None, [])
            return
        now = self.clock.now_ms()
        with logger.contextualize(event_id=event.id, correlation_id=event.correlation_id):
            decision = self.core.decide(self.state, event, now)
        outputs = envelopes(decision.emits, source=self.name, cause_id=event.id, now=now,
                            cause_correlation=event.correlation_id)
        self.state = decision.state
        if not outputs and self._state_unchanged():
            # no transaction of its own (on the executor most market data: a kline it ignores); a crash
            # before the next commit leaves it pending: read again after the saved snapshot, it changes
            # nothing again
            self.processed += 1
            self.positions[message.stream] = message.id
            yield Handled((message,), defer=True)
            return
        yield self.commit(message, outputs)
        self.committed(event, outputs)

    def dead_lettered(self, message: Message) -> list[Command]:
        return [self._save(message.stream, message.id)]

    def progress(self) -> list[Command]:
        return [self._positions()]  # deferred messages changed no state: the positions, never a snapshot

    # --- timers ----------------------------------------------------------------------------------

    def next_deadline(self) -> int | None:
        return self.core.next_deadline(self.state)

    def due(self, now: int) -> Iterator[Handled]:
        if now >= self._next_trim:
            for stream in self.written_streams:
                bus.trim(self.redis, stream, now, self.retention_ms)
            self._next_trim = now + self.trim_every_ms
        deadline = self.core.next_deadline(self.state)
        if deadline is None or deadline > now or now <= self._last_timer_now:
            return
        decision = self.core.on_timer(self.state, now)
        outputs = envelopes(decision.emits, source=self.name, cause_id=timer_cause(self.name, now), now=now)
        self.state = decision.state
        self._last_timer_now = now
        yield self.commit(None, outputs)
        self.committed(None, outputs)

    def stopping(self, now: int) -> Iterator[Handled]:
        """The core's shutdown decision, committed like any other (only over a state that was saved)."""
        if not isinstance(self.core, ShutdownHook) or self._saved_state is None:
            return
        decision = self.core.on_shutdown(self.state, now, self.shutdown_cause)
        outputs = envelopes(decision.emits, source=self.name, cause_id=f"shutdown/{self.name}/{now}", now=now)
        self.state = decision.state
        yield self.commit(None, outputs)
        self.committed(None, outputs)

    # --- writing ---------------------------------------------------------------------------------

    def commit(self, message: Message | None, outputs: Sequence[Envelope]) -> Handled:
        """Outputs, snapshot and positions, to be written with the message's ack: all or nothing."""
        commands: list[Command] = []
        for envelope in outputs:
            out_stream = stream_of(envelope.payload)
            self.written_streams.add(out_stream)
            commands.append(("XADD", out_stream, "*", FIELD, encode(envelope)))
        if message is not None:
            self.processed += 1
            commands.append(self._save(message.stream, message.id))
            return Handled((message,), commands)
        commands.append(self._save(None, None))
        return Handled((), commands)

    def committed(self, event: Envelope | None, outputs: Sequence[Envelope]) -> None:
        self._saved_state = self.state
        if self.on_commit is not None:
            self.on_commit(event, outputs)

    def _state_unchanged(self) -> bool:
        return self.state is self._saved_state and getattr(self.core, "same_state_means_unchanged", False)

    def _save(self, stream: str | None, message_id: str | None) -> Command:
        """The state hash. A core that declares `same_state_means_unchanged` (it never changes a state in
        place, so returning the very same object means nothing changed) gets no new snapshot for such an
        event: the one saved with that state is still in the hash, so only the positions are written."""
        if stream is not None and message_id is not None:
            self.positions[stream] = message_id
        if self._state_unchanged():
            return self._positions()
        return self._positions("snapshot", self.core.snapshot(self.state))

    def _positions(self, *extra: Any) -> Command:
        return ("HSET", self.state_key, *extra, "positions", orjson.dumps(self.positions),
                "processed", self.processed, "timer_now", self._last_timer_now)


class CoreConsumer(Consumer[CoreHandler[S]]):
    """The consumer of a pure core: group and consumer named after it, its inputs as streams. The core's
    state, positions and commit hook are reachable here (the executor's venue I/O reads them)."""

    def __init__(
        self,
        core: Core[S],
        client: bus.Redis,
        *,
        clock: Clock | None = None,
        block_ms: int = 50,
        batch: int = 100,
        heartbeat_ms: int | None = 5_000,
        trim_every_ms: int = 30_000,
        retention_ms: int = 7 * 86_400_000,
        max_deliveries: int = 5,
        ack_after_ms: int = 1_000,
        on_commit: CommitHook | None = None,
        shutdown_cause: str = STOPPED,
    ) -> None:
        clock = clock or system_clock()
        handler = CoreHandler(core, client, clock, trim_every_ms=trim_every_ms, retention_ms=retention_ms,
                              on_commit=on_commit, shutdown_cause=shutdown_cause)
        super().__init__(handler, client, core.inputs, group=core.name, clock=clock, batch=batch,
                         block_ms=block_ms, heartbeat_ms=heartbeat_ms, max_deliveries=max_deliveries,
                         ack_after_ms=ack_after_ms)

    @property
    def core(self) -> Core[S]:
        return self.handler.core

    @property
    def state(self) -> S:
        return self.handler.state

    @state.setter
    def state(self, state: S) -> None:
        self.handler.state = state

    @property
    def positions(self) -> dict[str, str]:
        return self.handler.positions

    @property
    def processed(self) -> int:
        return self.handler.processed

    @property
    def restored_from_snapshot(self) -> bool:
        return self.handler.restored_from_snapshot

    @property
    def on_commit(self) -> CommitHook | None:
        return self.handler.on_commit

    @on_commit.setter
    def on_commit(self, hook: CommitHook | None) -> None:
        self.handler.on_commit = hook

    def restore(self) -> None:
        self.handler.restore()
