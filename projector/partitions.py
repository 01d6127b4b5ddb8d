"""The day partitions of `events_window`: which day a message belongs to, and making a day's partition.

A day is the UTC day of the stream id's milliseconds (not of the event time, which an undecodable message may
not have), so the same message always lands in the same partition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

DAY_MS = 86_400_000
EPOCH = date(1970, 1, 1)
PREFIX = "events_window_"
LOCK_TIMEOUT = "2s"  # DDL waits no longer behind a long read; the caller retries later


def day_of(stream_id: str) -> date | None:
    """The UTC day of a stream id's milliseconds; None when it is not a Redis stream id."""
    millis, _, _ = stream_id.partition("-")
    if not millis.isdigit() or len(millis) > 15:
        return None
    return EPOCH + timedelta(days=int(millis) // DAY_MS)


def day_start_ms(day: date) -> int:
    return (day - EPOCH).days * DAY_MS


def utc_day(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, UTC).date()


def partition_name(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}"


def missing(conn: psycopg.Connection[Any], days: Iterable[date]) -> list[date]:
    wanted = sorted(set(days))
    if not wanted:
        return []
    found = conn.execute("SELECT d FROM unnest(%s::date[]) d"
                         " WHERE to_regclass(%s || to_char(d, 'YYYYMMDD')) IS NULL",
                         (wanted, PREFIX)).fetchall()
    return [row[0] for row in found]


def ensure(conn: psycopg.Connection[Any], days: Iterable[date]) -> list[date]:
    """Make the partitions of `days` that do not exist yet (inside the caller's transaction, if any);
    returns the days made. Idempotent, and safe beside another maker."""
    made = missing(conn, days)
    for day in made:
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF events_window"
                     f" FOR VALUES FROM ('{day.isoformat()}') TO ('{(day + timedelta(days=1)).isoformat()}')")
    return made


def window_days(conn: psycopg.Connection[Any]) -> list[date]:
    """The days that have a partition now, oldest first."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'events_window'::regclass").fetchall()
    return sorted(datetime.strptime(str(r[0])[len(PREFIX):], "%Y%m%d").date() for r in rows)
