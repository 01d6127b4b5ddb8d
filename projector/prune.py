"""The retention prune: drop the window days older than the replay window, keeping one heartbeat an hour.

Run by the projector on a schedule and by `liqfade db prune`. Idempotent (a day dropped is gone from the
partition list; a retried day starts over in a fresh transaction), one at a time per database (an advisory
lock), and polite: DDL waits at most `LOCK_TIMEOUT` behind a long read, then the day is left for the next run.
INFO logs in the `logs` read model follow the same window. A database migrated with history has its old
table (`events_legacy`) aged out the same way once its newest day has left the window: its kept rows are
moved to `events_kept` in small transactions, then the table is dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
from loguru import logger

from projector import partitions
from projector.families import HEARTBEAT_STREAMS, HEARTBEAT_TYPES, kept_sql
from projector.operations import LEVEL_NO

PRUNE_LOCK = 7_811_890_823_168_917_763  # one prune at a time per database
PREMADE_DAYS = 2  # partitions made ahead of today, so the write path seldom makes one
LEGACY = "events_legacy"
LEGACY_STEP = 20_000  # seq values per transaction when moving the legacy table's kept rows
LOG_STEP = 10_000

KEPT_COLUMNS = ("stream, stream_id, id, type, v, ts, ts_ms, recv_ts, correlation_id, causation_id, source,"
                " payload, raw, decoded, skip_reason")
COLUMNS = f"seq, {KEPT_COLUMNS}, projected_at"  # a legacy row, moved whole
HOUR_MS = 3_600_000
DAY_OF_ID = ("CASE WHEN stream_id ~ '^[0-9]{1,15}-[0-9]+$' THEN (to_timestamp(split_part(stream_id, '-', 1)"
             "::bigint / 1000.0) AT TIME ZONE 'UTC')::date END")


@dataclass
class PruneReport:
    window_days: int
    keep_from: date  # window days before this one are pruned
    dropped: list[dict[str, Any]] = field(default_factory=list)
    made: list[date] = field(default_factory=list)
    info_logs_deleted: int = 0
    legacy: str = "none"
    deferred: list[str] = field(default_factory=list)  # what a lock timeout left for the next run
    seconds: float = 0.0
    more: bool = False  # work left (a deferred day, or the legacy move over its time budget)


def keep_from(now_ms: int, window_days: int) -> date:
    """The oldest day kept: `window_days` whole days before today (so at least that much history remains)."""
    return partitions.utc_day(now_ms) - timedelta(days=window_days)


def prune(conn: psycopg.Connection[Any], now_ms: int, window_days: int, *,
          budget_s: float | None = None, dry_run: bool = False) -> PruneReport | None:
    """Prune what the window has left behind at `now_ms`. None when another prune holds the lock.
    `conn` must be in autocommit mode: each step is its own transaction. `budget_s` bounds the legacy move."""
    started = time.monotonic()
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", (PRUNE_LOCK,)).fetchone()[0]:  # type: ignore[index]
        return None
    try:
        report = PruneReport(window_days, keep_from(now_ms, window_days))
        _premake(conn, now_ms, report, dry_run)
        for day in partitions.window_days(conn):
            if day < report.keep_from:
                _drop_day(conn, day, report, dry_run)
        report.info_logs_deleted = _prune_info_logs(conn, report.keep_from, dry_run)
        deadline = None if budget_s is None else started + budget_s
        _age_legacy(conn, report, deadline, dry_run)
        report.seconds = round(time.monotonic() - started, 3)
        if report.dropped or report.info_logs_deleted or report.legacy not in ("none",) or report.deferred:
            logger.info("prune (window {} days, keep from {}): dropped {}, {} INFO logs, legacy: {}, deferred {}",
                        window_days, report.keep_from, [d["day"] for d in report.dropped],
                        report.info_logs_deleted, report.legacy, report.deferred)
        return report
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (PRUNE_LOCK,))


def pruned_through(conn: psycopg.Connection[Any]) -> date | None:
    """The newest day whose window data has been pruned (None: nothing pruned yet, or a schema from before)."""
    if conn.execute("SELECT to_regclass('event_prunes')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT max(day) FROM event_prunes").fetchone()
    return row[0] if row else None


def _premake(conn: psycopg.Connection[Any], now_ms: int, report: PruneReport, dry_run: bool) -> None:
    today = partitions.utc_day(now_ms)
    days = [today + timedelta(days=n) for n in range(PREMADE_DAYS + 1)]
    if dry_run:
        report.made = partitions.missing(conn, days)
        return
    try:
        with conn.transaction():
            report.made = partitions.ensure(conn, days)
    except psycopg.errors.LockNotAvailable:
        report.deferred.append("premake")
        report.more = True


def _promote_heartbeats(conn: psycopg.Connection[Any], relation: str) -> int:
    """Copy the first heartbeat of each hour, per stream and process, to the kept tier, whole (a window row is
    only its raw text: the columns are read back from it)."""
    cur = conn.execute(
        f"INSERT INTO events ({KEPT_COLUMNS}, tier, day)"
        f" SELECT DISTINCT ON (stream, j->>'source', (j->>'ts')::bigint / {HOUR_MS})"
        f"        stream, stream_id, j->>'id', j->>'type', (j->>'v')::int, to_timestamp((j->>'ts')::bigint / 1000.0),"
        f"        (j->>'ts')::bigint, (j->>'recv_ts')::bigint, j->>'correlation_id', j->>'causation_id',"
        f"        j->>'source', j->'payload', raw, true, NULL, 'kept', {DAY_OF_ID}"
        f"   FROM (SELECT stream, stream_id, raw, raw::jsonb AS j FROM {relation}"
        f"          WHERE stream = ANY(%s) AND decoded) beats"
        f"  WHERE j->>'type' = ANY(%s)"
        f"  ORDER BY stream, j->>'source', (j->>'ts')::bigint / {HOUR_MS}, (j->>'ts')::bigint, stream_id"
        f" ON CONFLICT DO NOTHING", (list(HEARTBEAT_STREAMS), list(HEARTBEAT_TYPES)))
    return cur.rowcount


def _drop_day(conn: psycopg.Connection[Any], day: date, report: PruneReport, dry_run: bool) -> None:
    name = partitions.partition_name(day)
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{partitions.LOCK_TIMEOUT}'")
            rows = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
            size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (name,)).fetchone()[0]  # type: ignore[index]
            kept = 0 if dry_run else _promote_heartbeats(conn, name)
            if not dry_run:
                conn.execute("INSERT INTO event_prunes (day, relation, rows, bytes, heartbeats_kept)"
                             " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", (day, name, rows, size, kept))
                conn.execute(f"DROP TABLE {name}")
    except psycopg.errors.LockNotAvailable:
        report.deferred.append(name)
        report.more = True
        return
    report.dropped.append({"day": day.isoformat(), "rows": rows, "bytes": size, "heartbeats_kept": kept})


def _prune_info_logs(conn: psycopg.Connection[Any], keep_from: date, dry_run: bool) -> int:
    """INFO (and below) rows of the `logs` read model older than the window, in small transactions."""
    before = partitions.day_start_ms(keep_from) / 1000
    if dry_run:
        row = conn.execute("SELECT count(*) FROM logs WHERE level_no < %s AND ts < to_timestamp(%s)",
                           (LEVEL_NO["WARNING"], before)).fetchone()
        return int(row[0]) if row else 0
    deleted = 0
    while True:
        cur = conn.execute(
            "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE level_no < %s AND ts < to_timestamp(%s)"
            " LIMIT %s)", (LEVEL_NO["WARNING"], before, LOG_STEP))
        deleted += cur.rowcount
        if cur.rowcount < LOG_STEP:
            return deleted


def _age_legacy(conn: psycopg.Connection[Any], report: PruneReport, deadline: float | None,
                dry_run: bool) -> None:
    if conn.execute("SELECT to_regclass(%s)", (LEGACY,)).fetchone()[0] is None:  # type: ignore[index]
        return
    newest = conn.execute(f"SELECT stream_id FROM {LEGACY} ORDER BY seq DESC LIMIT 1").fetchone()
    newest_day = partitions.day_of(str(newest[0])) if newest else None
    if newest_day is not None and newest_day >= report.keep_from:
        leaves = newest_day + timedelta(days=report.window_days + 1)
        report.legacy = f"kept whole until {leaves.isoformat()} (its newest day, {newest_day}, is in the window)"
        return
    if dry_run:
        report.legacy = "would move its kept rows to events_kept, then drop it"
        return
    upto = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {LEGACY}").fetchone()[0]  # type: ignore[index]
    row = conn.execute("SELECT next_seq FROM prune_progress WHERE relation = %s", (LEGACY,)).fetchone()
    next_seq = int(row[0]) if row else 0
    moved = 0
    while next_seq <= upto:
        if deadline is not None and time.monotonic() >= deadline:
            report.legacy = f"moving its kept rows: {moved} now, at seq {next_seq} of {upto}"
            report.more = True
            return
        end = next_seq + LEGACY_STEP
        with conn.transaction():
            cur = conn.execute(
                f"WITH moved AS (DELETE FROM {LEGACY} WHERE seq >= %s AND seq < %s AND {kept_sql()}"
                f" RETURNING {COLUMNS})"
                f" INSERT INTO events ({COLUMNS}, tier, day) SELECT {COLUMNS}, 'kept', {DAY_OF_ID} FROM moved",
                (next_seq, end))
            moved += cur.rowcount
            conn.execute("INSERT INTO prune_progress (relation, next_seq) VALUES (%s, %s)"
                         " ON CONFLICT (relation) DO UPDATE SET next_seq = EXCLUDED.next_seq", (LEGACY, end))
        next_seq = end
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{partitions.LOCK_TIMEOUT}'")
            kept = _promote_heartbeats(conn, LEGACY)
            rows = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                                (LEGACY,)).fetchone()[0]  # type: ignore[index]
            size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (LEGACY,)).fetchone()[0]  # type: ignore[index]
            day = newest_day or partitions.EPOCH
            conn.execute("INSERT INTO event_prunes (day, relation, rows, bytes, heartbeats_kept)"
                         " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                         (day, LEGACY, max(0, rows), size, kept))
            conn.execute(f"DROP TABLE {LEGACY}")
            conn.execute("DELETE FROM prune_progress WHERE relation = %s", (LEGACY,))
    except psycopg.errors.LockNotAvailable:
        report.deferred.append(LEGACY)
        report.more = True
        return
    report.legacy = f"dropped (newest day {newest_day}); {moved} kept rows moved now, {kept} heartbeats kept"
    report.dropped.append({"day": (newest_day or partitions.EPOCH).isoformat(), "rows": max(0, rows),
                           "bytes": size, "heartbeats_kept": kept, "relation": LEGACY})
