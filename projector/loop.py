"""The projector's loop: read a batch from every stream, write it in one transaction, then XACK.

Not a pure core, so not the shared StreamRunner; it reuses the bus helpers. Acknowledging only after
COMMIT, and skipping entries at or below the positions stored with the rows, makes every delivery
order safe: a batch interrupted anywhere is read again and projected exactly once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

import psycopg
import redis
from loguru import logger
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from projector.entries import Entry, entry_from_fields
from projector.migrate import apply_migrations
from projector.prune import prune
from projector.store import TRANSIENT, write_batch
from runtime import bus
from runtime.config_store import load_active
from runtime.heartbeat import heartbeat_envelope
from schemas.streams import ALL_STREAMS, GROUP_PROJECTOR, HEARTBEATS, LOGS

LEADER_LOCK = 7_811_890_823_168_917_762  # one projector at a time per database
OUTAGES = (*TRANSIENT, redis.ConnectionError, redis.TimeoutError)


class Projector:
    def __init__(self, redis_url: str, database_url: str, *, streams: Sequence[str] = ALL_STREAMS,
                 batch: int = 500, block_ms: int = 500, heartbeat_ms: int = 5_000,
                 trim_every_ms: int = 60_000, own_retention_ms: int = 86_400_000,
                 prune_every_ms: int | None = 3_600_000, prune_budget_s: float = 2.0) -> None:
        self.redis = bus.connect(redis_url)
        self.database_url = database_url
        self.streams = tuple(streams)
        self.group = self.consumer = GROUP_PROJECTOR
        self.batch = batch
        self.block_ms = block_ms
        self.heartbeat_ms = heartbeat_ms
        self.trim_every_ms = trim_every_ms
        self.own_retention_ms = own_retention_ms
        self.prune_every_ms = prune_every_ms  # None: never prune (tests that project fixed, old times)
        self.prune_budget_s = prune_budget_s  # a prune step never holds projection up for longer
        self.conn: psycopg.Connection[Any] | None = None
        self.projected = 0
        self.started_ms = _now_ms()
        self._recovering = True
        self._next_heartbeat = 0
        self._next_trim = 0
        self._next_prune = 0

    def run(self, stop: threading.Event) -> None:
        """Project until `stop` is set. PostgreSQL or Redis outages are waited out with backoff."""
        def pause(seconds: float) -> None:
            stop.wait(seconds)

        retrying = Retrying(
            retry=retry_if_exception_type(OUTAGES),
            wait=wait_exponential(multiplier=0.1, max=5),
            sleep=pause,
            stop=lambda _state: stop.is_set(),
            before_sleep=_log_outage,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._serve(stop)
        except OUTAGES:
            pass  # stop was set during an outage
        finally:
            self.close()
        logger.info("projector stopped after {} entries", self.projected)

    def _serve(self, stop: threading.Event) -> None:
        try:
            self.start(stop)
            while not stop.is_set():
                self.step()
        except OUTAGES:
            self.close()
            raise

    def start(self, stop: threading.Event | None = None) -> None:
        """Connect, migrate, take the leader lock, create the groups, and re-read what is pending."""
        self.redis.ping()
        conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=5)
        self.conn = conn
        apply_migrations(conn)
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0]:  # type: ignore[index]
            logger.info("another projector holds the lock; waiting")
            if stop is not None and stop.wait(1.0):
                return
        for stream in self.streams:
            bus.ensure_group(self.redis, stream, self.group)
        self._recovering = True

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # a broken connection must not hide the outage
                self.conn.close()
            self.conn = None

    def step(self) -> int:
        """One batch: read, write in one transaction, acknowledge. Returns the entries read."""
        now = _now_ms()
        if now >= self._next_heartbeat:
            self.heartbeat(now)
            self._next_heartbeat = now + self.heartbeat_ms
        if now >= self._next_trim:
            for stream in (LOGS, HEARTBEATS):  # the projector is their only reader
                bus.trim(self.redis, stream, now, self.own_retention_ms)
            self._next_trim = now + self.trim_every_ms
        if self.prune_every_ms is not None and now >= self._next_prune:
            self._next_prune = now + self.maintain(now, self.prune_every_ms)
        entries = self.read()
        if not entries:
            return 0
        assert self.conn is not None
        self.projected += write_batch(self.conn, entries)
        pipe = self.redis.pipeline(transaction=False)
        for stream in {e.stream for e in entries}:
            pipe.xack(stream, self.group, *[e.stream_id for e in entries if e.stream == stream])
        pipe.execute()
        return len(entries)

    def read(self) -> list[Entry]:
        start = "0" if self._recovering else ">"
        replies: Any = self.redis.xreadgroup(
            self.group, self.consumer, cast(Any, dict.fromkeys(self.streams, start)), count=self.batch,
            block=None if self._recovering else self.block_ms,
        )
        entries = [
            entry_from_fields(_text(stream), _text(entry_id), fields)
            for stream, stream_entries in replies or []
            for entry_id, fields in stream_entries
        ]
        if self._recovering and not entries:
            self._recovering = False
        return entries

    def maintain(self, now: int, every_ms: int) -> int:
        """Make the coming days' partitions and prune what the retention window has left behind; returns
        the milliseconds until the next run (soon while work is left, e.g. a legacy table being aged out)."""
        assert self.conn is not None
        window = load_active(self.redis).retention.replay_window_days
        try:
            report = prune(self.conn, now, window, budget_s=self.prune_budget_s)
        except TRANSIENT:
            raise
        except psycopg.Error as exc:
            logger.error("prune failed: {!r}; next try in {} s", exc, every_ms // 1000)
            return every_ms
        return 10_000 if report is not None and report.more else every_ms

    def heartbeat(self, now: int) -> None:
        lag = bus.group_lag(self.redis, self.streams, self.group)
        bus.append(self.redis, [heartbeat_envelope("projector", self.started_ms, self.projected, lag, now)])


def _log_outage(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    logger.warning("projector: {!r}; retrying in {:.1f}s", exc, wait)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
