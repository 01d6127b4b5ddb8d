"""Migration 004 on a database with history: the old table becomes a partition as it is (no rewrite), stays
readable, and ages out through the prune once the window has passed it, its kept rows moved out first."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.retention import FLAT
from bench.traffic import as_entries
from projector import partitions
from projector import prune as pruning
from projector.migrate import MIGRATIONS_DIR, apply_migrations
from projector.prune import LEGACY, prune, pruned_through
from projector.store import write_batch
from replay.sources.event_log import PrunedRange, load_from_db
from tests.projector.session import T0
from tests.projector.test_prune import DAY, HOUR, day_of_events, kept_rows


def old_schema(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    for path in MIGRATIONS_DIR.glob("00[123]_*.sql"):
        shutil.copy(path, tmp_path / path.name)
    assert apply_migrations(conn, tmp_path) == ["001", "002", "003"]


def write(conn: psycopg.Connection[Any], days: range, layout: Any = None) -> None:
    entries = as_entries([e for n in days for e in day_of_events(n)])
    for start in range(0, len(entries), 500):
        write_batch(conn, entries[start:start + 500], layout)


def relation(conn: psycopg.Connection[Any], name: str) -> tuple[Any, ...] | None:
    return conn.execute("SELECT relfilenode, relkind FROM pg_class WHERE oid = to_regclass(%s)", (name,)).fetchone()


def recorded(url: str, first: int, last: int) -> list[tuple[str, str]]:
    return sorted((r.stream, r.stream_id) for r in load_from_db(url, T0 + first * DAY, T0 + last * DAY).events)


def test_migration_when_events_hold_history_attaches_the_table_as_it_is_and_replays_read_through(
        database_url: str, tmp_path: Path) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        old_schema(conn, tmp_path)
        write(conn, range(5), FLAT)
        before = relation(conn, "events")
        rows = conn.execute("SELECT count(*) FROM events").fetchone()
        readable = conn.execute("SELECT stream, stream_id FROM events WHERE ts_ms BETWEEN %s AND %s"
                                " ORDER BY 1, 2", (T0 + DAY, T0 + 3 * DAY)).fetchall()

        assert apply_migrations(conn) == ["004"]

        assert before is not None and relation(conn, LEGACY) == (before[0], "r")  # the same file: not rewritten
        assert relation(conn, "events") == (0, "p")
        assert conn.execute("SELECT count(*) FROM events").fetchone() == rows
        assert recorded(database_url, 1, 3) == readable
        assert conn.execute("SELECT count(*) FROM events WHERE tier = 'legacy'").fetchone() == rows


def test_prune_when_the_window_has_passed_the_legacy_table_moves_its_kept_rows_and_drops_it(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pruning, "LEGACY_STEP", 50)  # many small transactions, as on a big table
    with psycopg.connect(database_url, autocommit=True) as conn:
        old_schema(conn, tmp_path)
        write(conn, range(5), FLAT)
        kept_before = kept_rows(conn)
        apply_migrations(conn)
        write(conn, range(5, 8))  # the projector goes on, into the new partitions
        assert conn.execute("SELECT DISTINCT tier FROM events WHERE day >= %s ORDER BY 1",
                            (partitions.utc_day(T0 + 5 * DAY),)).fetchall() == [("kept",), ("window",)]

        early = prune(conn, T0 + 7 * DAY + HOUR, 7)
        assert early is not None and early.legacy.startswith("kept whole until 2026-01-13")
        assert relation(conn, LEGACY) is not None

        halfway = prune(conn, T0 + 13 * DAY + HOUR, 7, budget_s=0.0)
        assert halfway is not None and halfway.more and halfway.legacy.startswith("moving its kept rows")
        assert relation(conn, LEGACY) is not None

        done = prune(conn, T0 + 13 * DAY + HOUR, 7)

        assert done is not None and not done.more and done.legacy.startswith("dropped")
        assert relation(conn, LEGACY) is None
        assert [r for r in kept_rows(conn) if r[0] in {k[0] for k in kept_before}] == kept_before
        promoted = conn.execute("SELECT count(*) FROM events WHERE tier = 'kept' AND type = 'ProcessHeartbeat'"
                                " AND day < %s", (partitions.utc_day(T0 + 5 * DAY),)).fetchone()
        assert promoted == (5 * 24,)
        assert pruned_through(conn) == partitions.utc_day(T0 + 5 * DAY)  # day 5 is a window partition
        assert conn.execute("SELECT relation FROM event_prunes ORDER BY day, relation").fetchall() == [
            (LEGACY,), (partitions.partition_name(partitions.utc_day(T0 + 5 * DAY)),)]
        assert conn.execute("SELECT count(*) FROM prune_progress").fetchone() == (0,)
        assert conn.execute("SELECT count(*) = count(DISTINCT (stream, stream_id)) FROM events").fetchone() == (True,)
    with pytest.raises(PrunedRange, match="up to the end of 2026-01-06"):
        load_from_db(database_url, T0 + 2 * DAY, T0 + 7 * DAY)
    inside = load_from_db(database_url, T0 + 7 * DAY, T0 + 8 * DAY).events
    assert {r.envelope.type for r in inside} >= {"BookTickerUpdated", "LiquidationObserved", "PositionClosed"}
