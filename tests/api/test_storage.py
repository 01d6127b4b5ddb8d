"""The growth report and the live view at any table size (issue 20, first part)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import orjson
import psycopg
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from api.routes.stream import LIVE_ROWS_SQL, MAX_STREAMS_PER_SESSION, QUIET_TYPES, next_rows
from api.security import create_token
from projector import partitions
from runtime.settings import Settings
from tests.api.conftest import EMAIL, SECRET, project
from tests.projector.session import recorded_session


def test_storage_when_events_are_projected_counts_them_per_day_and_family(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    session = recorded_session()
    project(settings, session)
    assert client.get("/api/storage").status_code == 401

    report = client.get("/api/storage", headers=auth).json()

    assert report["database_bytes"] > 0 and report["tables"]["events"] > 0
    counted = {d["family"]: d["rows"] for d in report["days"]}
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()
    assert sum(counted.values()) == (stored[0] if stored else -1)
    assert counted["book_tickers"] >= 1 and counted["decisions"] >= 5


def fill_filtered_rows(database_url: str, n: int) -> None:
    """n book tickers straight into `events`, as the projector stores them (what a quiet market adds between
    two shown events), and n INFO-level rows of the kept tier's kind that the view filters out (market data
    that is kept: liquidations)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        with conn.transaction():
            partitions.ensure(conn, [date(2023, 11, 14), date(2023, 11, 15)])
        for stream, kind, tier in (("md.BTCUSDT", "BookTickerUpdated", "window"),
                                   ("md.BTCUSDT", "LiquidationObserved", "kept")):
            conn.execute(
                "INSERT INTO events (stream, stream_id, type, raw, decoded, tier, day)"
                " SELECT %s, (1700000000000 + g)::text || '-' || %s, %s, 'x', true, %s, '2023-11-14'"
                " FROM generate_series((SELECT coalesce(max(seq), 0) FROM events) + 1,"
                "                      (SELECT coalesce(max(seq), 0) FROM events) + %s) g",
                (stream, len(kind), kind, tier, n))
        conn.execute("ANALYZE events")


def rows_scanned(database_url: str, cursor: int, top: int) -> int:
    """Rows the live view's query reads for this window: returned plus removed by its filter."""
    with psycopg.connect(database_url) as conn:
        sql = "EXPLAIN (ANALYZE, FORMAT JSON) " + LIVE_ROWS_SQL
        plan: Any = conn.execute(sql, (cursor, top, list(QUIET_TYPES), 500)).fetchone()
    def walk(node: dict[str, Any]) -> int:
        here = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0) if "Relation Name" in node else 0
        return here + sum(walk(child) for child in node.get("Plans", []))
    return walk((plan[0] if isinstance(plan[0], list) else orjson.loads(plan[0]))[0]["Plan"])


async def poll_twice(database_url: str) -> tuple[int, int]:
    """A poll over the quiet stretch, then the next poll's window, as the stream makes them."""
    async with await psycopg.AsyncConnection.connect(database_url, row_factory=dict_row) as db:
        _, cursor = await next_rows(db, 0)
        _, again = await next_rows(db, cursor)
    return cursor, again


def test_live_view_when_many_rows_are_filtered_out_the_next_poll_reads_none_of_them(
        client: TestClient, settings: Settings) -> None:
    scanned = []
    for n in (500, 20_000):
        fill_filtered_rows(settings.database_url, n)
        cursor, again = asyncio.run(poll_twice(settings.database_url))
        assert again == cursor  # nothing new: the cursor stays past everything filtered
        scanned.append(rows_scanned(settings.database_url, cursor, again))
    assert scanned == [0, 0]
    # from the start, the view reads the kept tier only: none of the 20,500 book tickers, but the kept market
    # data it filters out (what a cursor left behind would re-read on every poll)
    assert 20_500 <= rows_scanned(settings.database_url, 0, cursor) < 20_600


def test_live_stream_when_a_session_has_its_streams_open_refuses_another(client: TestClient) -> None:
    token, _ = create_token(SECRET, EMAIL, 600, session="busy")
    client.app.state.services.open_streams["busy"] = MAX_STREAMS_PER_SESSION  # type: ignore[attr-defined]
    response = client.get("/api/stream", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429 and "live streams per session" in response.json()["detail"]
