"""The retention tier of every event family, in Python (the projector's writes) and in SQL (the legacy move)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.traffic import day_entries
from projector.families import KEPT, WINDOW, family_of, kept_sql, tier_of
from projector.messages import DecodedMessage
from tests.projector.session import UNDECODABLE, recorded_session


def test_kept_sql_when_rows_of_every_family_are_asked_agrees_with_family_of(db: psycopg.Connection[Any]) -> None:
    entries = [*day_entries(1, 0.0005), *(DecodedMessage("x", f"{n}-0", e.model_dump_json(), e)
                                          for n, e in enumerate(recorded_session()))]
    rows = [(e.envelope is not None, e.envelope.type if e.envelope else None,
             Jsonb(e.envelope.payload.model_dump(mode="json")) if e.envelope else None, tier_of(family_of(e.envelope)))
            for e in entries]
    rows += [(False, raw.split(b'"type":"')[1].split(b'"')[0].decode() if b"type" in raw else None, None, KEPT)
             for _, raw in UNDECODABLE]
    assert {tier for *_, tier in rows} == {KEPT, WINDOW}
    db.execute("CREATE TEMP TABLE t (decoded boolean, type text, payload jsonb, tier text)")
    with db.cursor() as cur:
        cur.executemany("INSERT INTO t VALUES (%s, %s, %s, %s)", rows)

    disagree = db.execute(f"SELECT type, payload->>'level', tier FROM t WHERE {kept_sql()} <> (tier = 'kept')")

    assert disagree.fetchall() == []
    kinds = db.execute("SELECT DISTINCT type, tier FROM t WHERE type IN ('LogRecorded', 'BookTickerUpdated',"
                       " 'LiquidationObserved', 'KlineClosed', 'KlineUpdated') ORDER BY 1, 2").fetchall()
    assert kinds == [("BookTickerUpdated", WINDOW), ("KlineClosed", KEPT), ("KlineUpdated", WINDOW),
                     ("LiquidationObserved", KEPT), ("LogRecorded", KEPT), ("LogRecorded", WINDOW)]
