"""The recorded log an incident replay reads (`--from-db`: the audit log; `--from-redis`: the live streams).

Both sources give the same thing: every decodable envelope in a time window with the stream and stream
id it was recorded under, ordered by event time (ties in append order), plus a count of what could not
be decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import cast

import psycopg
import redis

from projector.partitions import DAY_MS, day_start_ms, utc_day
from projector.prune import pruned_through
from replay.sources.recording import Recorded, Recording, iso, safe_id_key
from schemas.registry import FIELD, SkipEvent, decode
from schemas.streams import ALL_STREAMS

# Redis stream ids are append (wall-clock) times, event ts can be earlier (exchange time) or, rarely,
# later (an explicit emit time): read this much more by id and filter by event time.
REDIS_ID_SLACK_MS = 300_000
XRANGE_PAGE = 5_000


def at_datetime(ms: int) -> datetime:
    seconds, millis = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000)


# --- PostgreSQL: the projector's `events` table ---------------------------------------------------------

# The kept tier selects by `ts` (its index); a window row is only its raw text and what selects it: its day
# (the stream id's, a little after event time: partitions outside the range are not read) and `ts_ms` (a
# BRIN index). No ORDER BY: Recording.sort orders by event time and stream id.
_DB_QUERY = (
    "SELECT stream, stream_id, raw, decoded, skip_reason FROM events"
    " WHERE tier <> 'window'"
    "   AND ((ts >= %(start)s AND ts <= %(end)s)"
    "    OR (ts IS NULL AND NOT decoded"
    "        AND (CASE WHEN stream_id ~ '^[0-9]{1,15}-[0-9]+$'"
    "             THEN split_part(stream_id, '-', 1)::bigint END) BETWEEN %(start_ms)s AND %(end_ms)s))"
    " UNION ALL "
    "SELECT stream, stream_id, raw, decoded, skip_reason FROM events"
    " WHERE tier = 'window' AND day BETWEEN %(first_day)s AND %(last_day)s"
    "   AND ts_ms BETWEEN %(start_ms)s AND %(end_ms)s"
)
PRUNE_SLACK_MS = 300_000  # an event's time may be a little before its stream id's (the partition day)


class PrunedRange(Exception):
    """The replay would read window data (market data, heartbeats, INFO logs) the retention prune removed."""

    def __init__(self, start_ms: int, pruned_through: date) -> None:
        self.start_ms = start_ms
        self.earliest_ms = day_start_ms(pruned_through + timedelta(days=1)) + PRUNE_SLACK_MS
        super().__init__(
            f"the replay reads from {iso(start_ms)}, but the retention prune has removed the book tickers, forming"
            f" klines, INFO logs and heartbeats up to the end of {pruned_through.isoformat()} (UTC); replaying"
            f" without them would diverge from what was recorded. The database holds them from {iso(self.earliest_ms)}"
            f" on")


def load_from_db(url: str, start_ms: int, end_ms: int) -> Recording:
    """Rows with event time in [start_ms, end_ms]. Rows the projector could not decode (decoded=false),
    and rows this build cannot decode, are counted in `skipped` and left out. Raises PrunedRange when the
    window reaches data the retention prune has removed."""
    recording = Recording()
    params = {"start": at_datetime(start_ms), "end": at_datetime(end_ms), "start_ms": start_ms, "end_ms": end_ms,
              "first_day": utc_day(start_ms - DAY_MS), "last_day": utc_day(end_ms + DAY_MS)}
    with psycopg.connect(url, connect_timeout=10) as conn:
        gone = pruned_through(conn)
        if gone is not None and start_ms < day_start_ms(gone + timedelta(days=1)) + PRUNE_SLACK_MS:
            raise PrunedRange(start_ms, gone)
        with conn.cursor(name="liqfade_replay") as cur:
            cur.itersize = 5_000
            cur.execute(_DB_QUERY, params)
            for stream, stream_id, raw, decoded, skip_reason in cur:
                if not decoded:
                    kind = str(skip_reason or "undecoded").split(":", 1)[0]
                    recording.skipped[f"undecoded:{kind}"] += 1
                    continue
                try:
                    envelope = decode(raw)
                except SkipEvent as skip:
                    recording.skipped[skip.kind] += 1
                    continue
                recording.events.append(Recorded(str(stream), str(stream_id), envelope))
    recording.sort()
    return recording


# --- Redis: XRANGE over every stream (never a consumer group: a replay must not move anybody's cursor) -

def _xrange(client: redis.Redis, stream: str, low: str, high: str) -> Iterator[tuple[str, dict[bytes, bytes]]]:
    start = low
    while True:
        page = cast(list[tuple[bytes, dict[bytes, bytes]]],
                    client.xrange(stream, min=start, max=high, count=XRANGE_PAGE))
        for raw_id, fields in page:
            yield raw_id.decode(), fields
        if len(page) < XRANGE_PAGE:
            return
        start = "(" + page[-1][0].decode()


def load_from_redis(url: str, start_ms: int | None, end_ms: int | None,
                    streams: tuple[str, ...] = ALL_STREAMS) -> Recording:
    """Entries of every stream with event time in the window (open ends read everything), merged by
    event time. Undecodable entries whose append time is in the window are counted and left out."""
    low = "-" if start_ms is None else f"{max(0, start_ms - REDIS_ID_SLACK_MS)}-0"
    high = "+" if end_ms is None else f"{end_ms + REDIS_ID_SLACK_MS}-{2**64 - 1}"
    lo, hi = (start_ms if start_ms is not None else -1), (end_ms if end_ms is not None else 2**63)
    recording = Recording()
    client = redis.Redis.from_url(url, socket_connect_timeout=10)
    try:
        for stream in streams:
            for stream_id, fields in _xrange(client, stream, low, high):
                raw = fields.get(FIELD)
                try:
                    if raw is None:
                        raise SkipEvent("malformed", f"entry has no {FIELD.decode()!r} field")
                    envelope = decode(raw)
                except SkipEvent as skip:
                    if lo <= safe_id_key(stream_id)[0] <= hi:
                        recording.skipped[skip.kind] += 1
                    continue
                if lo <= envelope.ts <= hi:
                    recording.events.append(Recorded(stream, stream_id, envelope))
    finally:
        client.close()
    recording.sort()
    return recording
