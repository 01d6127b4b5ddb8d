"""Write one batch of messages to PostgreSQL: audit rows, read-model rows and stream positions together.

The positions (`projector_positions`, the tracking record) are written in the same transaction as the
rows, so a message is projected exactly once however often it is delivered. A batch that fails on bad
data (not on a lost connection) is retried message by message; a message that still fails is kept in
`events` as undecoded with the error, so nothing blocks the stream and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import psycopg
from loguru import logger
from psycopg.types.json import Jsonb

from projector import operations, partitions, trading
from projector.families import WINDOW, family_of, tier_of
from projector.messages import DecodedMessage, at
from runtime.bus import compare_ids
from schemas.commands import ConfigPublished
from schemas.envelope import Envelope
from schemas.orders import VenueError
from schemas.positions import IncidentReported, PositionClosed, PositionOpened
from schemas.risk import (
    BotStateChanged,
    ControlActionResult,
    DailyCountersReset,
    EntryApproved,
    FlattenOrdered,
    Heartbeat,
    RiskLimitHit,
    SignalVetoed,
)
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.system import LogRecorded, NotificationSent, ProcessHeartbeat

TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError)  # a lost connection: retry the batch later

RowWriter = Callable[[psycopg.Cursor[Any], Envelope, DecodedMessage], None]

ROW_WRITERS: dict[str, RowWriter] = {  # the read-model rows of a modelled type
    PositionClosed.TYPE: trading.trade_closed,
    PositionOpened.TYPE: trading.position_opened,
    SetupDetected.TYPE: trading.setup_event,
    SetupConfirmed.TYPE: trading.setup_event,
    SetupRejected.TYPE: trading.setup_event,
    SignalVetoed.TYPE: trading.setup_event,
    EntryApproved.TYPE: trading.setup_event,
    ConfigPublished.TYPE: trading.config_published,
    ControlActionResult.TYPE: operations.risk_event,
    RiskLimitHit.TYPE: operations.risk_event,
    BotStateChanged.TYPE: operations.risk_event,
    IncidentReported.TYPE: operations.risk_event,
    DailyCountersReset.TYPE: operations.risk_event,
    FlattenOrdered.TYPE: operations.risk_event,
    Heartbeat.TYPE: operations.heartbeat,
    ProcessHeartbeat.TYPE: operations.process_heartbeat,
    LogRecorded.TYPE: operations.log_recorded,
    VenueError.TYPE: operations.venue_error,
    NotificationSent.TYPE: operations.notification,
}

# ON CONFLICT: on the unique key of the partition the row goes to (a redelivery lands in the same one)
_INSERT_KEPT = (
    "INSERT INTO events (stream, stream_id, id, type, v, ts, ts_ms, recv_ts, correlation_id, causation_id,"
    " source, payload, raw, decoded, skip_reason, tier, day)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'kept', %s)"
    " ON CONFLICT DO NOTHING"
)
# A window row is its raw text and what a replay selects it by; the rest is in raw. No seq (a replay orders
# by event time and stream id), no projection time: 40 bytes less a row, on most rows of the log.
_INSERT_WINDOW = (
    "INSERT INTO events (seq, projected_at, stream, stream_id, ts_ms, raw, decoded, tier, day)"
    " VALUES (NULL, NULL, %s, %s, %s, %s, true, 'window', %s)"
    " ON CONFLICT DO NOTHING"
)
PAYLOAD = 11  # the jsonb payload's place in a kept row


def positions(conn: psycopg.Connection[Any]) -> dict[str, str]:
    return {str(s): str(i) for s, i in conn.execute("SELECT stream, last_id FROM projector_positions")}


@dataclass(frozen=True, slots=True)
class EventLayout:
    """How a message becomes an `events` row: its statement and parameters (a kept row's or an undecodable
    message's with the payload at PAYLOAD), and what must exist before the rows are written. One layout in
    production; `bench retention` measures the one before it beside it."""

    row: Callable[[DecodedMessage], tuple[str, tuple[Any, ...]]]
    prepare: Callable[[psycopg.Connection[Any], Sequence[DecodedMessage]], None]


def write_batch(conn: psycopg.Connection[Any], messages: Sequence[DecodedMessage],
                layout: EventLayout | None = None) -> int:
    """Project the messages not projected yet; returns how many were new. Commits before returning."""
    layout = layout or TIERED
    try:
        with conn.transaction():
            return _write(conn, messages, layout, careful=False)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.warning("batch failed on its data ({!r}); projecting message by message", exc)
    with conn.transaction():
        return _write(conn, messages, layout, careful=True)


def _write(conn: psycopg.Connection[Any], messages: Sequence[DecodedMessage], layout: EventLayout, *,
           careful: bool) -> int:
    done = positions(conn)
    fresh = [e for e in messages if e.stream not in done or compare_ids(e.stream_id, done[e.stream]) > 0]
    if not fresh:
        return 0
    plain = [e for e in fresh if e.envelope is None or e.envelope.type not in ROW_WRITERS]
    modelled = [e for e in fresh if e.envelope is not None and e.envelope.type in ROW_WRITERS]
    layout.prepare(conn, fresh)
    with conn.cursor() as cur:
        if careful:
            for message in fresh:
                _careful(conn, cur, message, layout)
        else:
            by_statement: dict[str, list[tuple[Any, ...]]] = {}
            for message in plain:
                sql, params = layout.row(message)
                by_statement.setdefault(sql, []).append(params)
            for sql, rows in by_statement.items():
                cur.executemany(sql, rows)
            for message in modelled:
                _project(cur, message, layout)
        last: dict[str, str] = {}
        for message in fresh:
            if message.stream not in last or compare_ids(message.stream_id, last[message.stream]) > 0:
                last[message.stream] = message.stream_id
        cur.executemany(
            "INSERT INTO projector_positions (stream, last_id, updated_at) VALUES (%s, %s, now())"
            " ON CONFLICT (stream) DO UPDATE SET last_id = EXCLUDED.last_id, updated_at = now()",
            list(last.items()),
        )
        cur.executemany(_COUNT_VOLUME, volume(fresh))
    return len(fresh)


_COUNT_VOLUME = (
    "INSERT INTO event_volume (day, family, rows, raw_bytes) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (day, family) DO UPDATE SET rows = event_volume.rows + EXCLUDED.rows,"
    " raw_bytes = event_volume.raw_bytes + EXCLUDED.raw_bytes"
)


def volume(messages: Sequence[DecodedMessage]) -> list[tuple[date, str, int, int]]:
    """(UTC day of the stream id, family, rows, bytes of raw) for a batch, one row per day and family."""
    counts: dict[tuple[date, str], list[int]] = {}
    for message in messages:
        day = partitions.day_of(message.stream_id) or partitions.EPOCH
        count = counts.setdefault((day, family_of(message.envelope)), [0, 0])
        count[0] += 1
        count[1] += len(message.raw.encode())
    return [(day, family, n, size) for (day, family), (n, size) in sorted(counts.items())]


def _project(cur: psycopg.Cursor[Any], message: DecodedMessage, layout: EventLayout) -> None:
    sql, params = layout.row(message)
    cur.execute(sql + " RETURNING 1", params)
    inserted = cur.fetchone() is not None
    env = message.envelope
    if inserted and env is not None and env.type in ROW_WRITERS:
        ROW_WRITERS[env.type](cur, env, message)


def _careful(conn: psycopg.Connection[Any], cur: psycopg.Cursor[Any], message: DecodedMessage,
             layout: EventLayout) -> None:
    try:
        with conn.transaction():
            _project(cur, message, layout)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.error("cannot project {} {}: {}; kept as undecoded", message.stream, message.stream_id, exc)
        failed = DecodedMessage(message.stream, message.stream_id, message.raw, None, f"projection_error: {exc}"[:2000])
        sql, params = layout.row(failed)
        row = list(params)
        row[PAYLOAD] = None  # the payload may be what PostgreSQL refused
        cur.execute(sql, row)


def _make_partitions(conn: psycopg.Connection[Any], messages: Sequence[DecodedMessage]) -> None:
    """The day partitions the window-tier messages go to (one catalogue lookup a batch; DDL once a day)."""
    windowed = (e.stream_id for e in messages if tier_of(family_of(e.envelope)) == WINDOW)
    partitions.ensure(conn, {day for stream_id in windowed if (day := partitions.day_of(stream_id))})


def _event_row(message: DecodedMessage) -> tuple[str, tuple[Any, ...]]:
    """A kept row carries its payload as jsonb and its ids in columns, for queries; a window row (market data,
    heartbeats, INFO logs) only its raw text (what a replay reads) and what a replay selects on."""
    env = message.envelope
    day = partitions.day_of(message.stream_id)
    if env is not None and day is not None and tier_of(family_of(env)) == WINDOW:
        return _INSERT_WINDOW, (message.stream, message.stream_id, env.ts, message.raw, day)
    if env is not None:
        return _INSERT_KEPT, (*whole_row(message, env), day)
    return _INSERT_KEPT, (*undecoded_row(message), day)


def whole_row(message: DecodedMessage, env: Envelope) -> tuple[Any, ...]:
    """A decoded message's columns, up to `skip_reason`, with its payload as jsonb."""
    return (message.stream, message.stream_id, env.id, env.type, env.v, at(env.ts), env.ts, env.recv_ts,
            env.correlation_id, env.causation_id, env.source, Jsonb(env.payload.model_dump(mode="json")),
            message.raw, True, None)


def undecoded_row(message: DecodedMessage) -> tuple[Any, ...]:
    """An undecodable message's columns, up to `skip_reason`, from whatever its JSON says."""
    data = _loose(message.raw)
    ts = _int(data.get("ts"), 0, 10**15)
    loose_payload = data.get("payload")
    return (message.stream, message.stream_id, _str(data.get("id")), _str(message.raw_type),
            _int(data.get("v"), -(2**31), 2**31), at(ts), ts, None,
            _str(data.get("correlation_id")), _str(data.get("causation_id")), _str(data.get("source")),
            Jsonb(loose_payload) if isinstance(loose_payload, dict) else None, message.raw, False,
            message.skip_reason)


TIERED = EventLayout(_event_row, _make_partitions)


def _loose(raw: str) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _str(value: object) -> str | None:
    return value.replace("\x00", "")[:500] if isinstance(value, str) else None


def _int(value: object, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and low <= value < high else None
