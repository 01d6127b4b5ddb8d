"""Projection of a recorded session into PostgreSQL gives the expected rows, exactly once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import psycopg
import redis

from projector.handler import ProjectionHandler, projection_consumer
from runtime.consumer import Consumer
from schemas.positions import IncidentReported
from schemas.registry import FIELD
from schemas.types import ExitReason
from tests.projector.conftest import drain
from tests.projector.session import (
    REJECTED,
    SETUP,
    T0,
    UNDECODABLE,
    VETOED,
    closed_trade,
    publish,
    recorded_session,
    wrap,
)

# not the projector's own heartbeats (a window row keeps its source in raw only)
NOT_OURS = "coalesce(CASE WHEN tier = 'window' THEN raw::jsonb->>'source' ELSE source END, '') <> 'projector'"


def project(redis_url: str, database_url: str) -> Consumer[ProjectionHandler]:
    projector = projection_consumer(redis_url, database_url, block_ms=20, prune_every_ms=None)
    drain(projector)
    return projector


def rows(db: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return db.execute(sql).fetchall()


def test_projector_when_session_recorded_writes_every_envelope_to_events(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    session = recorded_session()
    publish(redis_client, session)

    project(redis_url, database_url).close()

    decoded = rows(db, f"SELECT coalesce(id, raw::jsonb->>'id') FROM events WHERE decoded AND {NOT_OURS}")
    assert sorted(r[0] for r in decoded) == sorted(e.id for e in session)
    narrow = rows(db, "SELECT DISTINCT raw::jsonb->>'type', num_nulls(seq, id, type, v, ts, recv_ts, source, payload,"
                      f" projected_at) FROM events WHERE tier = 'window' AND {NOT_OURS} ORDER BY 1")
    assert narrow == [("BookTickerUpdated", 9), ("Heartbeat", 9), ("LogRecorded", 9), ("ProcessHeartbeat", 9)]
    undecoded = rows(db, "SELECT type, raw, skip_reason FROM events WHERE NOT decoded ORDER BY seq")
    assert [(t, r.encode()) for t, r, _ in undecoded] == [("SetupFromTheFuture", UNDECODABLE[0][1]),
                                                          (None, UNDECODABLE[1][1])]
    assert undecoded[0][2].startswith("unknown_type") and undecoded[1][2].startswith("malformed")
    first = session[0]
    row = rows(db, f"SELECT stream, type, v, source, payload, raw FROM events WHERE id = '{first.id}'")[0]
    assert row[:4] == ("state", "BotStateChanged", 1, "governor")
    assert row[4]["to_state"] == "RUNNING"


def test_projector_when_session_recorded_builds_read_models(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    publish(redis_client, recorded_session())

    project(redis_url, database_url).close()

    trades = rows(db, 'SELECT setup_id, symbol, side, entry, exit, pnl_usdt, fees, slippage_est, reason,'
                      ' extract(epoch FROM duration), extract(epoch FROM "timestamp") * 1000 FROM trades')
    assert trades == [(SETUP, "BTCUSDT", "LONG", Decimal("95000.0"), Decimal("95332.5"), Decimal("2.66"),
                       Decimal("0.66"), Decimal("0.8"), "TP", Decimal("60.000000"), Decimal(T0 + 180_500))]
    assert rows(db, "SELECT setup_id, status, exit_reason FROM positions") == [(SETUP, "CLOSED", "TP")]
    setups = dict((r[0], r[1:]) for r in rows(
        db, "SELECT setup_id, stage, passed, reason, volume_mult, spread_bps FROM market_events"))
    assert setups == {SETUP: ("approved", True, None, 3.0, 0.01),
                      REJECTED: ("rejected", False, "spread", None, 5.1),
                      VETOED: ("vetoed", False, "position_open", None, None)}
    risk = rows(db, "SELECT type, actor, idempotency_key, outcome FROM risk_events ORDER BY ts, id")
    assert risk == [("BotStateChanged", "governor", None, "RUNNING"),
                    ("ControlActionResult", "admin@x", "k-pause-1", "accepted"),
                    ("BotStateChanged", "admin@x", None, "PAUSED_MANUAL"),
                    ("RiskLimitHit", "governor", None, "max_trades")]
    state = rows(db, "SELECT status, heartbeat->>'daily_pnl', last_error FROM bot_state")[0]
    assert state == ("PAUSED_MANUAL", "2.66", "executor: order rejected (VenueError: -2019 margin)")
    assert ("strategy", 11) in rows(db, "SELECT process, pid FROM process_heartbeats")
    assert rows(db, "SELECT level, process FROM logs ORDER BY ts") == [("ERROR", "executor"), ("INFO", "ingest")]
    assert rows(db, "SELECT version, author, active FROM bot_config") == [(1, "admin@x", True)]


def test_projector_when_entries_delivered_twice_changes_nothing(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    publish(redis_client, recorded_session())
    project(redis_url, database_url).close()
    before = counts(db)

    for stream in ("signals", "executions", "state", "logs", "commands", "intents"):
        redis_client.xgroup_setid(stream, "projector", id="0")  # deliver every stream again
    project(redis_url, database_url).close()
    assert counts(db) == before
    db.execute("DELETE FROM projector_positions")  # and again, without the tracking record
    for stream in ("signals", "executions", "state", "logs", "commands", "intents"):
        redis_client.xgroup_setid(stream, "projector", id="0")
    project(redis_url, database_url).close()

    assert counts(db) == before


def counts(db: psycopg.Connection[Any]) -> dict[str, int]:
    tables = ("trades", "positions", "risk_events", "market_events", "logs", "bot_config", "notifications")
    found = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    found["events"] = rows(db, f"SELECT count(*) FROM events WHERE {NOT_OURS}")[0][0]
    return found


def test_projector_when_batch_has_data_postgres_refuses_keeps_it_undecoded(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    session = recorded_session()
    bad = session[0].model_dump(mode="json")
    bad["payload"]["cause"] = "nul \u0000 inside"  # valid JSON, refused by jsonb
    publish(redis_client, session[1:], undecodable=False)
    redis_client.xadd("state", {FIELD: orjson.dumps(bad)})

    project(redis_url, database_url).close()

    kept = rows(db, "SELECT decoded, skip_reason FROM events WHERE stream = 'state' AND type = 'BotStateChanged'"
                    " AND NOT decoded")
    assert len(kept) == 1 and kept[0][1].startswith("projection_error")
    assert rows(db, "SELECT count(*) FROM trades")[0][0] == 1


def test_projector_when_trade_paid_bnb_fees_and_funding_keeps_both_per_trade(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    paid = closed_trade("BTCUSDT-LONG-1", T0, "1.93", reason=ExitReason.LIQUIDATION, funding="-0.0412",
                        fees_by_asset={"BNB": "0.00105", "USDT": "0.02"})
    plain = closed_trade("BTCUSDT-LONG-2", T0 + 1_000, "2.66")
    publish(redis_client, [paid, plain], undecodable=False)

    project(redis_url, database_url).close()

    found = rows(db, "SELECT setup_id, reason, funding, fees_by_asset FROM trades ORDER BY setup_id")
    assert found == [("BTCUSDT-LONG-1", "LIQUIDATION", Decimal("-0.0412"), {"BNB": "0.00105", "USDT": "0.02"}),
                     ("BTCUSDT-LONG-2", "TP", Decimal("0"), {"USDT": "0.66"})]


def test_projector_when_incident_does_not_halt_records_it_without_a_last_error(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    replaced = IncidentReported(kind="STOP_REPLACED", symbol="BTCUSDT", setup_id="S-1", detail="stop expired",
                                action="placed a new stop", halts=False)
    naked = IncidentReported(kind="NAKED_POSITION", symbol="BTCUSDT", setup_id="S-2", detail="no stop",
                             action="flattened")
    publish(redis_client, [wrap(replaced, T0, "executor")], undecodable=False)
    project(redis_url, database_url).close()

    assert rows(db, "SELECT type, outcome FROM risk_events") == [("IncidentReported", "placed a new stop")]
    assert rows(db, "SELECT last_error FROM bot_state") == [(None,)]

    publish(redis_client, [wrap(naked, T0 + 1_000, "executor")], undecodable=False)
    project(redis_url, database_url).close()

    assert rows(db, "SELECT last_error FROM bot_state") == [("incident NAKED_POSITION: no stop (flattened)",)]
