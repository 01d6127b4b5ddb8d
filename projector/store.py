"""Write one batch of entries to PostgreSQL: audit rows, read-model rows and stream positions together.

The positions (`projector_positions`, the tracking record) are written in the same transaction as the
rows, so an entry is projected exactly once however often it is delivered. A batch that fails on bad
data (not on a lost connection) is retried entry by entry; an entry that still fails is kept in `events`
as undecoded with the error, so nothing blocks the stream and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
import psycopg
from loguru import logger
from psycopg.types.json import Jsonb

from projector import operations, trading
from projector.entries import Entry, at
from projector.families import family_of
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

Handler = Callable[[psycopg.Cursor[Any], Envelope, Entry], None]

HANDLERS: dict[str, Handler] = {
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

_INSERT_EVENT = (
    "INSERT INTO events (stream, stream_id, id, type, v, ts, ts_ms, recv_ts, correlation_id, causation_id,"
    " source, payload, raw, decoded, skip_reason)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (stream, stream_id) DO NOTHING"
)


def positions(conn: psycopg.Connection[Any]) -> dict[str, str]:
    return {str(s): str(i) for s, i in conn.execute("SELECT stream, last_id FROM projector_positions")}


def write_batch(conn: psycopg.Connection[Any], entries: Sequence[Entry]) -> int:
    """Project the entries not projected yet; returns how many were new. Commits before returning."""
    try:
        with conn.transaction():
            return _write(conn, entries, careful=False)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.warning("batch failed on its data ({!r}); projecting entry by entry", exc)
    with conn.transaction():
        return _write(conn, entries, careful=True)


def _write(conn: psycopg.Connection[Any], entries: Sequence[Entry], *, careful: bool) -> int:
    done = positions(conn)
    fresh = [e for e in entries if e.stream not in done or compare_ids(e.stream_id, done[e.stream]) > 0]
    if not fresh:
        return 0
    plain = [e for e in fresh if e.envelope is None or e.envelope.type not in HANDLERS]
    modelled = [e for e in fresh if e.envelope is not None and e.envelope.type in HANDLERS]
    with conn.cursor() as cur:
        if careful:
            for entry in fresh:
                _careful(conn, cur, entry)
        else:
            if plain:
                cur.executemany(_INSERT_EVENT, [_event_row(e) for e in plain])
            for entry in modelled:
                _project(cur, entry)
        last: dict[str, str] = {}
        for entry in fresh:
            if entry.stream not in last or compare_ids(entry.stream_id, last[entry.stream]) > 0:
                last[entry.stream] = entry.stream_id
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


def volume(entries: Sequence[Entry]) -> list[tuple[date, str, int, int]]:
    """(UTC day of the stream id, family, rows, bytes of raw) for a batch, one row per day and family."""
    counts: dict[tuple[date, str], list[int]] = {}
    for entry in entries:
        day = datetime.fromtimestamp(int(entry.stream_id.partition("-")[0]) / 1000, UTC).date()
        count = counts.setdefault((day, family_of(entry.envelope)), [0, 0])
        count[0] += 1
        count[1] += len(entry.raw.encode())
    return [(day, family, n, size) for (day, family), (n, size) in sorted(counts.items())]


def _project(cur: psycopg.Cursor[Any], entry: Entry) -> None:
    cur.execute(_INSERT_EVENT + " RETURNING seq", _event_row(entry))
    inserted = cur.fetchone() is not None
    env = entry.envelope
    if inserted and env is not None and env.type in HANDLERS:
        HANDLERS[env.type](cur, env, entry)


def _careful(conn: psycopg.Connection[Any], cur: psycopg.Cursor[Any], entry: Entry) -> None:
    try:
        with conn.transaction():
            _project(cur, entry)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.error("cannot project {} {}: {}; kept as undecoded", entry.stream, entry.stream_id, exc)
        failed = Entry(entry.stream, entry.stream_id, entry.raw, None, f"projection_error: {exc}"[:2000])
        row = list(_event_row(failed))
        row[11] = None  # the payload may be what PostgreSQL refused
        cur.execute(_INSERT_EVENT, row)


def _event_row(entry: Entry) -> tuple[Any, ...]:
    env = entry.envelope
    if env is not None:
        payload = env.payload.model_dump(mode="json")
        return (entry.stream, entry.stream_id, env.id, env.type, env.v, at(env.ts), env.ts, env.recv_ts,
                env.correlation_id, env.causation_id, env.source, Jsonb(payload), entry.raw, True, None)
    data = _loose(entry.raw)
    ts = _int(data.get("ts"), 0, 10**15)
    loose_payload = data.get("payload")
    return (entry.stream, entry.stream_id, _str(data.get("id")), _str(entry.raw_type),
            _int(data.get("v"), -(2**31), 2**31), at(ts), ts, None,
            _str(data.get("correlation_id")), _str(data.get("causation_id")), _str(data.get("source")),
            Jsonb(loose_payload) if isinstance(loose_payload, dict) else None, entry.raw, False,
            entry.skip_reason)


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
