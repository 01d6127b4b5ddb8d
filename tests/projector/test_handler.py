"""The projector gets the shared consumer's recovery: messages left with a consumer that is gone are taken
over, and a message that keeps failing moves to its dead-letter stream instead of holding the rest up."""

from __future__ import annotations

from typing import Any

import psycopg
import redis

from projector.handler import projection_consumer
from runtime import bus
from schemas.registry import FIELD, decode, stream_of
from schemas.streams import EXECUTIONS, GROUP_PROJECTOR, SIGNALS, dlq
from tests.projector.conftest import drain
from tests.projector.session import T0, closed_trade, publish, recorded_session
from tests.support.streams import entries

# PostgreSQL refuses to record a position on `signals`: every batch holding a signals message fails
REFUSE_SIGNALS = """
CREATE FUNCTION refuse_signals() RETURNS trigger AS $$
BEGIN
    IF NEW.stream = 'signals' THEN RAISE EXCEPTION 'signals refused'; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_signals BEFORE INSERT OR UPDATE ON projector_positions
    FOR EACH ROW EXECUTE FUNCTION refuse_signals();
"""


def trades(count: int, t0: int = T0) -> list[Any]:
    return [closed_trade(f"BTCUSDT-LONG-{t0 + i}", t0 + 1_000 * i, "1.5") for i in range(count)]


def count(db: psycopg.Connection[Any], table: str) -> int:
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_projector_when_messages_were_left_pending_by_a_consumer_that_is_gone_claims_and_projects_them(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    publish(redis_client, trades(3), undecodable=False)
    bus.ensure_group(redis_client, EXECUTIONS, GROUP_PROJECTOR)
    bus.read_group(redis_client, GROUP_PROJECTOR, "projector-gone", {EXECUTIONS: ">"}, count=10)  # never acked

    projector = projection_consumer(redis_url, database_url, block_ms=20, prune_every_ms=None, claim_idle_ms=0)
    try:
        drain(projector)
    finally:
        projector.close()

    assert count(db, "trades") == 3
    assert redis_client.xpending(EXECUTIONS, GROUP_PROJECTOR)["pending"] == 0


def test_projector_when_a_message_keeps_failing_moves_it_to_the_dead_letter_stream_and_projects_the_rest(
        redis_client: redis.Redis, redis_url: str, database_url: str, db: psycopg.Connection[Any]) -> None:
    db.execute(REFUSE_SIGNALS)
    signal = next(e for e in recorded_session() if stream_of(e.payload) == SIGNALS)
    publish(redis_client, [*trades(2), signal, *trades(2, T0 + 10_000)], undecodable=False)

    projector = projection_consumer(redis_url, database_url, block_ms=20, prune_every_ms=None, max_deliveries=3)
    try:
        drain(projector)
    finally:
        projector.close()

    assert count(db, "trades") == 4
    (dead,) = entries(redis_client, dlq(SIGNALS))
    assert decode(dead[1][FIELD]).id == signal.id
    assert b"signals refused" in dead[1][b"error"] and dead[1][b"stream"] == SIGNALS.encode()
    assert redis_client.xpending(SIGNALS, GROUP_PROJECTOR)["pending"] == 0
    assert redis_client.xpending(EXECUTIONS, GROUP_PROJECTOR)["pending"] == 0
