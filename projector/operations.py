"""Read models of operations: risk_events, bot_state, process heartbeats, logs, notifications."""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from projector.messages import DecodedMessage, at
from schemas.envelope import Envelope
from schemas.orders import VenueError
from schemas.positions import IncidentReported
from schemas.risk import (
    BotStateChanged,
    ControlActionResult,
    DailyCountersReset,
    FlattenOrdered,
    Heartbeat,
    RiskLimitHit,
)
from schemas.system import LogRecorded, NotificationSent, ProcessHeartbeat

Cur = Cursor[Any]

LEVEL_NO = {"DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def risk_event(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    """(actor, idempotency key, outcome, detail) of each risk-relevant fact."""
    p = env.payload
    actor: str | None = env.source
    key: str | None = None
    outcome: str
    if isinstance(p, ControlActionResult):
        actor, key, outcome = p.actor, p.idempotency_key, p.outcome
        detail = f"{p.command}: {p.reason}" if p.reason else p.command
    elif isinstance(p, RiskLimitHit):
        outcome, detail = p.limit, p.detail
    elif isinstance(p, BotStateChanged):
        actor, outcome = p.actor, p.to_state.value
        detail = f"{p.from_state.value} -> {p.to_state.value}: {p.cause}"
    elif isinstance(p, IncidentReported):
        outcome, detail = p.action, f"{p.kind}: {p.detail}"
    elif isinstance(p, DailyCountersReset):
        actor, outcome, detail = p.actor, "reset", f"day {p.day} ({p.tz})"
    else:
        assert isinstance(p, FlattenOrdered)
        actor, key, outcome, detail = p.actor, p.idempotency_key, "ordered", p.reason
    cur.execute(
        "INSERT INTO risk_events (ts, type, actor, idempotency_key, outcome, detail, payload, source,"
        " event_stream, event_stream_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (event_stream, event_stream_id) DO NOTHING",
        (at(env.ts), env.type, actor, key, outcome, detail, Jsonb(p.model_dump(mode="json")), env.source,
         message.stream, message.stream_id),
    )
    if isinstance(p, BotStateChanged):
        cur.execute(
            "UPDATE bot_state SET status = %s, status_cause = %s, status_since = %s, updated_at = %s"
            " WHERE id = 1 AND (status_since IS NULL OR status_since <= %s)",
            (p.to_state.value, p.cause, at(env.ts), at(env.ts), at(env.ts)),
        )
        if p.to_state.value == "ERROR":
            _last_error(cur, env, f"bot entered ERROR: {p.cause}", None)
    elif isinstance(p, IncidentReported) and p.halts:  # one that does not halt is a record, not an error
        _last_error(cur, env, f"incident {p.kind}: {p.detail} ({p.action})", None)


def heartbeat(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, Heartbeat)
    cur.execute(
        "UPDATE bot_state SET heartbeat = %s, heartbeat_at = %s, updated_at = %s,"
        " status = CASE WHEN status_since IS NULL OR status_since <= %s THEN %s ELSE status END"
        " WHERE id = 1 AND (heartbeat_at IS NULL OR heartbeat_at <= %s)",
        (Jsonb(p.model_dump(mode="json")), at(env.ts), at(env.ts), at(env.ts), p.status.value, at(env.ts)),
    )


def process_heartbeat(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, ProcessHeartbeat)
    cur.execute(
        "INSERT INTO process_heartbeats (process, pid, started_at, events_processed, lag, rss_mb, last_seen)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (process) DO UPDATE SET pid = EXCLUDED.pid, started_at = EXCLUDED.started_at,"
        " events_processed = EXCLUDED.events_processed, lag = EXCLUDED.lag, rss_mb = EXCLUDED.rss_mb,"
        " last_seen = EXCLUDED.last_seen WHERE process_heartbeats.last_seen <= EXCLUDED.last_seen",
        (p.process, p.pid, at(p.started_ts), p.events_processed, p.lag, p.rss_mb, at(env.ts)),
    )


def log_recorded(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, LogRecorded)
    cur.execute(
        "INSERT INTO logs (stream_id, ts, level, level_no, process, message, module, event_id,"
        " correlation_id, exc_type, exc_message, stack)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (stream_id) DO NOTHING",
        (message.stream_id, at(env.ts), p.level, LEVEL_NO[p.level], p.process, p.message, p.module, p.event_id,
         p.correlation_id, p.exc_type, p.exc_message, p.stack),
    )
    if LEVEL_NO[p.level] >= LEVEL_NO["ERROR"]:
        summary = f"{p.process}: {p.message}" + (f" ({p.exc_type}: {p.exc_message})" if p.exc_type else "")
        _last_error(cur, env, summary, p.stack)


def venue_error(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, VenueError)
    if not p.retriable:
        _last_error(cur, env, f"venue error in {p.operation}: {p.code} {p.msg}", None)


def notification(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, NotificationSent)
    cur.execute(
        "INSERT INTO notifications (stream_id, ts, kind, channel, status, attempts, dedup_key, message,"
        " detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (stream_id) DO NOTHING",
        (message.stream_id, at(env.ts), p.kind, p.channel, p.status, p.attempts, p.dedup_key, p.message,
         p.detail),
    )


def _last_error(cur: Cur, env: Envelope, summary: str, stack: str | None) -> None:
    cur.execute(
        "UPDATE bot_state SET last_error = %s, last_error_at = %s, last_error_source = %s,"
        " last_error_stack = %s WHERE id = 1 AND (last_error_at IS NULL OR last_error_at <= %s)",
        (summary[:4000], at(env.ts), env.source, stack, at(env.ts)),
    )
