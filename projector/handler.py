"""The projector's handler under the shared consumer: a batch from every stream, written in one
PostgreSQL transaction; the consumer acknowledges it only after COMMIT.

The rows and the stream positions are written together (projector/store.py), and messages at or below
the stored positions are skipped, so every delivery order is safe: a batch interrupted anywhere is read
again and projected exactly once. PostgreSQL and Redis outages are waited out by the consumer; every hour
`maintain` makes the coming days' partitions and prunes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import redis
from loguru import logger

from projector.messages import decode_message
from projector.migrate import apply_migrations
from projector.prune import prune
from projector.store import TRANSIENT, write_batch
from runtime import bus
from runtime.clock import WallClock
from runtime.config_store import load_active
from runtime.consumer import Consumer, Handled, Handler, Message, StopSignal
from schemas.streams import ALL_STREAMS, GROUP_PROJECTOR, HEARTBEATS, LOGS

LEADER_LOCK = 7_811_890_823_168_917_762  # one projector at a time per database
OUTAGES: tuple[type[Exception], ...] = (*TRANSIENT, redis.ConnectionError, redis.TimeoutError)


class ProjectionHandler(Handler):
    name = "projector"
    outages = OUTAGES

    def __init__(self, client: bus.Redis, database_url: str, *, trim_every_ms: int = 60_000,
                 own_retention_ms: int = 86_400_000, prune_every_ms: int | None = 3_600_000,
                 prune_budget_s: float = 2.0) -> None:
        self.redis = client
        self.database_url = database_url
        self.trim_every_ms = trim_every_ms
        self.own_retention_ms = own_retention_ms
        self.prune_every_ms = prune_every_ms  # None: never prune (tests that project fixed, old times)
        self.prune_budget_s = prune_budget_s  # a prune step never holds projection up for longer
        self.conn: psycopg.Connection[Any] | None = None
        self.processed = 0  # rows projected
        self._next_trim = 0
        self._next_prune = 0

    def start(self, stop: StopSignal | None) -> None:
        """Connect, migrate and take the leader lock."""
        self.close()
        conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=5)
        self.conn = conn
        apply_migrations(conn)
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0]:  # type: ignore[index]
            logger.info("another projector holds the lock; waiting")
            for _ in range(10):
                if stop is not None and stop.is_set():
                    return
                time.sleep(0.1)

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # a broken connection must not hide the outage
                self.conn.close()
            self.conn = None

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        assert self.conn is not None
        self.processed += write_batch(self.conn, [decode_message(m.stream, m.id, m.fields) for m in messages])
        yield Handled(messages)  # committed: the consumer acknowledges the batch

    def due(self, now: int) -> Iterator[Handled]:
        if now >= self._next_trim:
            for stream in (LOGS, HEARTBEATS):  # the projector is their only reader
                bus.trim(self.redis, stream, now, self.own_retention_ms)
            self._next_trim = now + self.trim_every_ms
        if self.prune_every_ms is not None and now >= self._next_prune:
            self._next_prune = now + self.maintain(now, self.prune_every_ms)
        return iter(())

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


def projection_consumer(redis_url: str, database_url: str, *, streams: Sequence[str] = ALL_STREAMS,
                        batch: int = 500, block_ms: int = 500, heartbeat_ms: int = 5_000, trim_every_ms: int = 60_000,
                        own_retention_ms: int = 86_400_000, prune_every_ms: int | None = 3_600_000,
                        prune_budget_s: float = 2.0, max_deliveries: int = 5,
                        claim_idle_ms: int = 30_000) -> Consumer[ProjectionHandler]:
    """The projector: every stream into PostgreSQL, as the `projector` group."""
    client = bus.connect(redis_url)
    handler = ProjectionHandler(client, database_url, trim_every_ms=trim_every_ms, own_retention_ms=own_retention_ms,
                                prune_every_ms=prune_every_ms, prune_budget_s=prune_budget_s)
    return Consumer(handler, client, streams, group=GROUP_PROJECTOR, clock=WallClock(), batch=batch,
                    block_ms=block_ms, heartbeat_ms=heartbeat_ms, max_deliveries=max_deliveries,
                    claim_idle_ms=claim_idle_ms)
