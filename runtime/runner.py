"""The stream runner: consumer groups in, one MULTI/EXEC per event out (DESIGN §3).

For each input entry the runner decodes it, asks the core, and in one transaction appends the outputs,
saves the core's snapshot with the stream positions, and acknowledges the entry. A runner killed at any
instant resumes exactly where it stopped: the transaction either happened or it did not, and a
re-processed entry yields the same outputs with the same ids. An entry that emitted nothing and left the
state as it was (a core declaring `same_state_means_unchanged`) gets no transaction of its own: its ack
rides on the next one, or goes out within `ack_after_ms` (`defer`).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic

import orjson
import redis
from loguru import logger

from runtime import bus
from runtime.clock import Clock, clock_speed, system_clock
from runtime.core import Core, Emit, S, envelopes, timer_cause
from runtime.heartbeat import heartbeat_envelope
from schemas.envelope import Envelope
from schemas.registry import FIELD, SkipEvent, decode, encode, stream_of
from schemas.streams import STATE_KEY_PREFIX, dlq
from schemas.system import CoreRestored

CommitHook = Callable[[Envelope | None, Sequence[Envelope]], None]


class StreamRunner(Generic[S]):
    def __init__(
        self,
        core: Core[S],
        client: bus.Redis,
        *,
        clock: Clock | None = None,
        tick_ms: int = 50,
        batch: int = 100,
        heartbeat_ms: int | None = 5_000,
        trim_every_ms: int = 30_000,
        retention_ms: int = 7 * 86_400_000,
        max_deliveries: int = 5,
        ack_after_ms: int = 1_000,
        on_commit: CommitHook | None = None,
    ) -> None:
        self.core = core
        self.redis = client
        self.clock = clock or system_clock()
        self.group = core.name
        self.consumer = core.name
        self.state_key = STATE_KEY_PREFIX + core.name
        self.tick_ms = tick_ms
        self.batch = batch
        self.heartbeat_ms = heartbeat_ms
        self.trim_every_ms = trim_every_ms
        self.retention_ms = retention_ms
        self.max_deliveries = max_deliveries
        self.ack_after_ms = ack_after_ms
        self.on_commit = on_commit
        self.writer = bus.Writer(client)
        self.state: S = core.initial_state()
        self._saved_state: S | None = None  # the state whose snapshot the hash holds (after a commit)
        self.positions: dict[str, str] = {}
        self.unacked: dict[str, list[str]] = {}  # entries processed but not yet acknowledged (see `defer`)
        self._ack_due: int | None = None
        self.processed = 0
        self.failures: dict[str, int] = {}
        self.skipped_kinds: set[str] = set()
        self.written_streams: set[str] = set()
        self.started_ms = self.clock.now_ms()
        self._last_timer_now = -1
        self._next_heartbeat = 0
        self._next_trim = 0
        self._recovering = True
        self._starts = 0
        self._held: list[tuple[str, str, dict[bytes, bytes]]] = []  # read, not yet in order to process

    # --- lifecycle -------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Process until `stop` is set; the event in hand is always finished first."""
        bus.keep_running(stop, self.start, self.step)
        self.flush_acks_quietly()
        logger.info("{} stopped after {} events", self.core.name, self.processed)

    def start(self) -> None:
        """Restore the snapshot, make sure the groups exist, and take back entries left pending."""
        bus.wait_until_up(self.redis)
        self.restore()
        for stream in self.core.inputs:
            bus.ensure_group(self.redis, stream, self.group)
            self.redis.xautoclaim(stream, self.group, self.consumer, min_idle_time=30_000, count=1000)
        self._recovering, self._held = True, []
        self.announce_restore()

    def announce_restore(self) -> None:
        """Record where the core restarted (schemas.system.CoreRestored): what replay needs to restart it
        at the same point."""
        self._starts += 1
        payload = CoreRestored(process=self.core.name, pid=os.getpid(), positions=dict(self.positions),
                               processed=self.processed, from_snapshot=self._saved_state is not None)
        cause = f"restored/{self.core.name}/{os.getpid()}/{self._starts}"
        bus.append(self.redis, envelopes([Emit(payload)], source=self.core.name, cause_id=cause,
                                         now=self.clock.now_ms()))

    @property
    def restored_from_snapshot(self) -> bool:
        """Whether the last restore found a saved snapshot (False: the core started from scratch)."""
        return self._saved_state is not None

    def restore(self) -> None:
        self.unacked, self._ack_due = {}, None  # still pending in their groups: they are read again
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

    # --- one turn of the loop --------------------------------------------------------------------

    def step(self) -> None:
        self.read_and_process(self.housekeeping())

    def housekeeping(self) -> int:
        """Timers, heartbeat, trimming; returns how long the next read may block (wall ms)."""
        now = self.clock.now_ms()
        if self._ack_due is not None and now >= self._ack_due:
            self.flush_acks()
        self.fire_timers(now)
        if self.heartbeat_ms is not None and now >= self._next_heartbeat:
            self.heartbeat(now)
            self._next_heartbeat = now + self.heartbeat_ms
        if now >= self._next_trim:
            self.trim(now)
            self._next_trim = now + self.trim_every_ms
        return self.block_ms(now)

    @property
    def recovering(self) -> bool:
        """True while entries left pending (by a crash or a failed core) are being taken back."""
        return self._recovering

    def block_ms(self, now: int) -> int:
        """How long XREADGROUP may block, in wall ms: the tick, or less when a core deadline is nearer
        (a deadline is in clock time; a scaled clock reaches it sooner on the wall)."""
        if self._held:
            return 1  # the rest of a backlog is waiting: read it at once
        deadline = self.core.next_deadline(self.state)
        if self._ack_due is not None:
            deadline = self._ack_due if deadline is None else min(deadline, self._ack_due)
        if deadline is None:
            return self.tick_ms
        return max(1, min(self.tick_ms, math.ceil((deadline - now) / clock_speed(self.clock))))

    def read_and_process(self, block_ms: int) -> None:
        streams = {s: ("0" if self._recovering else ">") for s in self.core.inputs}
        if self._recovering:
            replies = bus.read_group(self.redis, self.group, self.consumer, streams, count=self.batch)
            if not any(entries for _, entries in replies):
                self._recovering = False
                return
            self.process_replies(replies)
            self.flush_acks()  # pending entries are read from the start of the list until acknowledged
            return
        replies = bus.read_group(self.redis, self.group, self.consumer, streams, count=self.batch, block=block_ms)
        self.process_replies(replies)

    def process_replies(self, replies: list[tuple[str, list[bus.Entry]]]) -> None:
        # Across streams, take entries in the order Redis appended them (ids are append times), so an
        # intent is never decided on a book older than one that had already arrived. Ids are per stream:
        # within one millisecond, market data goes first.
        merged = sorted(
            [*self._held, *((entry_id, stream, fields) for stream, entries in replies for entry_id, fields in entries)],
            key=lambda item: arrival_key(item[1], item[0]))
        # A stream that filled its batch may hold older entries than another stream's latest: what came after
        # its last one waits for the next read (a backlog of books must not be passed by an intent).
        cut = min((arrival_key(stream, entries[-1][0]) for stream, entries in replies if len(entries) >= self.batch),
                  default=None)
        ready = merged if cut is None else [m for m in merged if arrival_key(m[1], m[0]) <= cut]
        # pending entries are read again from the start while recovering: nothing is held then
        self._held = [] if self._recovering else merged[len(ready):]
        for entry_id, stream, fields in ready:
            if not self.process_entry(stream, entry_id, fields):
                self._recovering = True  # retry the failed entry before anything newer
                self._held = []  # still pending: read again with it
                return

    def process_entry(self, stream: str, entry_id: str, fields: dict[bytes, bytes]) -> bool:
        """Handle one entry. Returns False when the core failed and the entry stays pending."""
        seen = self.positions.get(stream)
        if seen is not None and bus.compare_ids(entry_id, seen) <= 0:
            self.defer(stream, entry_id, now=self.clock.now_ms(), processed=False)  # taken back after a crash
            return True
        raw = fields.get(FIELD)
        try:
            if raw is None:
                raise SkipEvent("malformed", f"entry has no {FIELD.decode()!r} field")
            event = decode(raw)
        except SkipEvent as skip:
            if skip.kind not in self.skipped_kinds:
                self.skipped_kinds.add(skip.kind)
                logger.warning("skipping {} entry {} on {}: {}", skip.kind, entry_id, stream, skip.detail)
            self.commit(stream, entry_id, None, [])
            return True
        now = self.clock.now_ms()
        try:
            with logger.contextualize(event_id=event.id, correlation_id=event.correlation_id):
                decision = self.core.decide(self.state, event, now)
        except Exception as exc:
            return self.core_failed(stream, entry_id, raw, exc)
        outputs = envelopes(
            decision.emits, source=self.core.name, cause_id=event.id, now=now,
            cause_correlation=event.correlation_id,
        )
        self.state = decision.state
        if not outputs and self._state_unchanged():
            self.defer(stream, entry_id, now)
        else:
            self.commit(stream, entry_id, event, outputs)
        return True

    def defer(self, stream: str, entry_id: str, now: int, processed: bool = True) -> None:
        """An entry that emitted nothing and changed nothing needs no transaction of its own (on the executor
        most market data: a kline it ignores). Its position and ack go out with the next commit, or within
        `ack_after_ms`. A crash before then leaves it pending: it is read again after the saved snapshot,
        where processing it changes nothing again."""
        if processed:
            self.processed += 1
            self.positions[stream] = entry_id
        self.unacked.setdefault(stream, []).append(entry_id)
        if self._ack_due is None:
            self._ack_due = now + self.ack_after_ms

    def flush_acks(self) -> None:
        """Save the positions and acknowledge every deferred entry now."""
        if self.unacked:  # deferred entries changed no state: the positions, never a snapshot
            self.writer.transaction([self._positions(), *self._acks()])
        self.unacked, self._ack_due = {}, None

    def flush_acks_quietly(self) -> None:
        """At shutdown: best effort (what is not acknowledged is read again at the next start)."""
        try:
            self.flush_acks()
        except (OSError, redis.RedisError) as exc:
            logger.warning("deferred acks not written at shutdown ({}); they are re-read at start", exc)

    def _acks(self) -> list[bus.Command]:
        return [("XACK", stream, self.group, *ids) for stream, ids in self.unacked.items()]

    def _state_unchanged(self) -> bool:
        return self.state is self._saved_state and getattr(self.core, "same_state_means_unchanged", False)

    def core_failed(self, stream: str, entry_id: str, raw: bytes | None, exc: Exception) -> bool:
        self.flush_acks()  # the entries before this one are done
        # a core may have changed its state in place before failing: go back to the committed snapshot
        self.restore()
        attempts = self.failures.get(entry_id, 0) + 1
        self.failures[entry_id] = attempts
        if attempts < self.max_deliveries:
            logger.opt(exception=exc).error("{} failed on {} (attempt {})", self.core.name, entry_id, attempts)
            return False
        logger.opt(exception=exc).error("moving {} from {} to {} after {} failures",
                                        entry_id, stream, dlq(stream), attempts)
        self.writer.transaction([
            ("XADD", dlq(stream), "*", FIELD, raw or b"", b"stream", stream, b"id", entry_id,
             b"error", repr(exc)[:2000]),
            self._save(stream, entry_id),
            ("XACK", stream, self.group, entry_id),
        ])
        self.failures.pop(entry_id, None)
        return True

    def fire_timers(self, now: int) -> None:
        deadline = self.core.next_deadline(self.state)
        if deadline is None or deadline > now or now <= self._last_timer_now:
            return
        decision = self.core.on_timer(self.state, now)
        outputs = envelopes(decision.emits, source=self.core.name, cause_id=timer_cause(self.core.name, now), now=now)
        self.state = decision.state
        self._last_timer_now = now
        self.commit(None, None, None, outputs)

    # --- writing ---------------------------------------------------------------------------------

    def commit(self, stream: str | None, entry_id: str | None, event: Envelope | None,
               outputs: Sequence[Envelope]) -> None:
        """Outputs, snapshot, positions and the ack: all or nothing."""
        commands: list[bus.Command] = []
        for envelope in outputs:
            out_stream = stream_of(envelope.payload)
            self.written_streams.add(out_stream)
            commands.append(("XADD", out_stream, "*", FIELD, encode(envelope)))
        if stream is not None and entry_id is not None:
            self.processed += 1
            commands.append(self._save(stream, entry_id))
            commands.append(("XACK", stream, self.group, entry_id))
        else:
            commands.append(self._save(None, None))
        commands += self._acks()
        self.writer.transaction(commands)
        self.unacked, self._ack_due = {}, None
        self._saved_state = self.state
        if self.on_commit is not None:
            self.on_commit(event, outputs)

    def _save(self, stream: str | None, entry_id: str | None) -> bus.Command:
        """The state hash. A core that declares `same_state_means_unchanged` (it never changes a state in
        place, so returning the very same object means nothing changed) gets no new snapshot for such an
        event: the one saved with that state is still in the hash, so only the positions are written."""
        if stream is not None and entry_id is not None:
            self.positions[stream] = entry_id
        if self._state_unchanged():
            return self._positions()
        return self._positions("snapshot", self.core.snapshot(self.state))

    def _positions(self, *extra: Any) -> bus.Command:
        return ("HSET", self.state_key, *extra, "positions", orjson.dumps(self.positions),
                "processed", self.processed, "timer_now", self._last_timer_now)

    # --- housekeeping ----------------------------------------------------------------------------

    def heartbeat(self, now: int) -> None:
        lag = bus.group_lag(self.redis, self.core.inputs, self.group) - sum(map(len, self.unacked.values()))
        bus.append(self.redis, [heartbeat_envelope(self.core.name, self.started_ms, self.processed, max(0, lag), now)])

    def trim(self, now: int) -> None:
        for stream in self.written_streams:
            bus.trim(self.redis, stream, now, self.retention_ms)


def arrival_key(stream: str, entry_id: str) -> tuple[int, int, int]:
    ms, seq = bus.id_key(entry_id)
    return ms, 0 if stream.startswith("md.") else 1, seq


