"""The retention prune (issue 20): window days leave whole, decisions, money and liquidations never do."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import psycopg
import redis

from bench.traffic import as_entries
from projector import partitions
from projector import prune as pruning
from projector.handler import projection_consumer
from projector.prune import prune, pruned_through
from projector.store import write_batch
from schemas.envelope import Envelope
from schemas.system import ProcessHeartbeat
from tests.projector.session import T0, recorded_session, wrap

DAY = partitions.DAY_MS
HOUR = 3_600_000
WINDOWED_TYPES = ("BookTickerUpdated", "KlineUpdated", "ProcessHeartbeat", "Heartbeat")


def day_of_events(n: int) -> list[Envelope]:
    """Day `n` after T0: the recorded session (every family) and a strategy heartbeat every 10 minutes."""
    start = T0 + n * DAY
    beats = [wrap(ProcessHeartbeat(process="strategy", pid=11, started_ts=start, events_processed=k, lag=0,
                                   rss_mb=80.5), start + k * 600_000 + 7, "strategy") for k in range(144)]
    return sorted([*recorded_session(start), *beats], key=lambda e: e.ts)


def write_days(conn: psycopg.Connection[Any], days: range) -> None:
    entries = as_entries([e for n in days for e in day_of_events(n)])
    for start in range(0, len(entries), 500):
        write_batch(conn, entries[start:start + 500])


def kept_rows(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    """Every row of the families kept for good, as stored."""
    return conn.execute(
        "SELECT seq, stream, stream_id, raw FROM events WHERE NOT (type = ANY(%s)"
        " OR (type = 'LogRecorded' AND raw::jsonb->'payload'->>'level' = 'INFO')) ORDER BY seq",
        (list(WINDOWED_TYPES),)).fetchall()


def test_prune_when_days_leave_the_window_keeps_every_decision_money_event_and_liquidation(
        db: psycopg.Connection[Any]) -> None:
    write_days(db, range(10))
    kept_before = kept_rows(db)
    recent_before = db.execute("SELECT stream, stream_id, raw FROM events WHERE day >= %s ORDER BY seq",
                               (partitions.utc_day(T0 + 3 * DAY),)).fetchall()
    kinds = Counter(r[0] for r in db.execute("SELECT type FROM events WHERE tier = 'kept'").fetchall())
    assert kinds["LiquidationObserved"] == 10 and kinds["PositionClosed"] == 10 and kinds["EntryApproved"] == 10

    report = prune(db, T0 + 10 * DAY + HOUR, 7)

    assert report is not None and report.keep_from == partitions.utc_day(T0 + 3 * DAY)
    assert [d["day"] for d in report.dropped] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    promoted = 24 + 1  # the strategy's first heartbeat of each hour, the governor's one of the day
    assert all(d["heartbeats_kept"] == promoted and d["rows"] == 144 + 4 for d in report.dropped)
    assert kept_rows(db) == kept_before
    promoted_rows = db.execute("SELECT count(*) FROM events WHERE tier = 'kept' AND type = ANY(%s)",
                               (list(WINDOWED_TYPES),)).fetchone()
    assert promoted_rows == (3 * promoted,)
    assert db.execute("SELECT stream, stream_id, raw FROM events WHERE day >= %s ORDER BY seq",
                      (report.keep_from,)).fetchall() == recent_before
    hourly = db.execute("SELECT count(*), count(DISTINCT (source, ts_ms / %s)) FROM events"
                        " WHERE type = 'ProcessHeartbeat' AND day < %s", (HOUR, report.keep_from)).fetchone()
    assert hourly == (72, 72)
    assert partitions.window_days(db)[0] == report.keep_from
    assert pruned_through(db) == partitions.utc_day(T0 + 2 * DAY)
    logs = db.execute("SELECT level, count(*) FROM logs GROUP BY level ORDER BY level").fetchall()
    assert logs == [("ERROR", 10), ("INFO", 7)]  # INFO logs older than the window are gone, errors stay
    assert report.info_logs_deleted == 3


def test_prune_when_run_again_changes_nothing(db: psycopg.Connection[Any]) -> None:
    write_days(db, range(4))
    first = prune(db, T0 + 11 * DAY, 7)
    assert first is not None and len(first.dropped) == 4
    stored = db.execute("SELECT seq, raw FROM events ORDER BY seq").fetchall()

    again = prune(db, T0 + 11 * DAY, 7)

    assert again is not None and again.dropped == [] and again.info_logs_deleted == 0
    assert db.execute("SELECT seq, raw FROM events ORDER BY seq").fetchall() == stored


def test_prune_when_a_long_read_holds_a_day_leaves_it_for_the_next_run_untouched(
        db: psycopg.Connection[Any], database_url: str) -> None:
    write_days(db, range(2))
    old = partitions.partition_name(partitions.utc_day(T0))
    with psycopg.connect(database_url) as reader:
        reader.execute(f"SELECT count(*) FROM {old}")  # a replay reading that day, its transaction open

        held = prune(db, T0 + 10 * DAY, 7)

        assert held is not None and held.more and old in held.deferred
        assert old not in [d.get("relation") for d in held.dropped]
        assert db.execute("SELECT to_regclass(%s) IS NOT NULL", (old,)).fetchone() == (True,)
        assert db.execute("SELECT count(*) FROM event_prunes WHERE relation = %s", (old,)).fetchone() == (0,)
    later = prune(db, T0 + 10 * DAY, 7)
    assert later is not None and "2026-01-01" in [d["day"] for d in later.dropped]


def test_prune_when_another_prune_runs_does_nothing(db: psycopg.Connection[Any], database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (pruning.PRUNE_LOCK,))
        assert prune(db, T0 + 10 * DAY, 7) is None


def test_projector_when_running_prunes_on_its_schedule_and_makes_the_coming_days(
        db: psycopg.Connection[Any], redis_url: str, database_url: str) -> None:
    now = time.time_ns() // 1_000_000
    ten_days_ago = now - 10 * DAY
    beat = ProcessHeartbeat(process="ingest", pid=1, started_ts=ten_days_ago, events_processed=1, lag=0, rss_mb=50.0)
    write_batch(db, as_entries([wrap(beat, ten_days_ago, "ingest")]))
    old = partitions.partition_name(partitions.utc_day(ten_days_ago))
    assert db.execute("SELECT to_regclass(%s) IS NOT NULL", (old,)).fetchone() == (True,)
    projector = projection_consumer(redis_url, database_url, block_ms=20, prune_every_ms=3_600_000)
    try:
        projector.start(threading.Event())
        projector.step()
    finally:
        projector.close()
        redis.Redis.from_url(redis_url).close()
    assert db.execute("SELECT to_regclass(%s) IS NOT NULL", (old,)).fetchone() == (False,)
    coming = [partitions.utc_day(now + n * DAY) for n in range(3)]
    assert set(coming) <= set(partitions.window_days(db))
