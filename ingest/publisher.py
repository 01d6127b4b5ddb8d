"""Batched XADDs: events collected while frames are being read go out in one round trip.

The batch is written as raw packed commands on a connection of our own: redis-py's Pipeline object
costs ~40 µs of CPU per flush against ~16 µs for the same bytes sent this way (bench/ingest.py), and a
lone frame is flushed on its own, so that overhead is most of the frame-to-XADD latency.
"""

from __future__ import annotations

from typing import Any

import orjson
import redis
from loguru import logger

from ingest.decode import MdEvent
from schemas.envelope import Envelope
from schemas.registry import FIELD, encode, stream_of


class Publisher:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._conn: Any = None
        self._pending: list[tuple[str, bytes]] = []
        self.published = 0
        self.rejected = 0
        self.written_streams: set[str] = set()

    def __len__(self) -> int:
        return len(self._pending)

    def add_event(self, event: MdEvent) -> None:
        self._pending.append((event.stream, orjson.dumps(event.envelope)))

    def add_envelope(self, envelope: Envelope) -> None:
        self._pending.append((stream_of(envelope.payload), encode(envelope)))

    def flush(self) -> int:
        """XADD everything pending. On a connection error the batch stays pending and the error
        propagates; the next flush sends it again (a batch that reached Redis before the error is then
        written twice, with the same event ids, which downstream recognises)."""
        if not self._pending:
            return 0
        batch = self._pending
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        conn = self._conn
        try:
            conn.send_packed_command(conn.pack_commands([("XADD", s, "*", FIELD, body) for s, body in batch]))
            errors = []
            for _ in batch:
                try:
                    conn.read_response()
                except redis.ResponseError as exc:  # e.g. the key holds another type: retrying cannot help
                    errors.append(exc)
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            conn.disconnect()
            raise
        if errors:
            self.rejected += len(errors)
            logger.error("Redis rejected {} of {} XADDs (first: {}); those events are dropped",
                         len(errors), len(batch), errors[0])
        self._pending = []
        self.published += len(batch) - len(errors)
        for stream, _ in batch:
            if stream not in self.written_streams:
                self.written_streams.add(stream)
        return len(batch)

    def close(self) -> None:
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None
