"""Batched XADDs: events collected while frames are being read go out in one pipeline round trip."""

from __future__ import annotations

from typing import Any

import orjson
import redis

from ingest.decode import MdEvent
from schemas.envelope import Envelope
from schemas.registry import FIELD, encode, stream_of


class Publisher:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._pending: list[tuple[str, bytes]] = []
        self.published = 0
        self.written_streams: set[str] = set()

    def __len__(self) -> int:
        return len(self._pending)

    def add_event(self, event: MdEvent) -> None:
        self._pending.append((event.stream, orjson.dumps(event.envelope)))

    def add_envelope(self, envelope: Envelope) -> None:
        self._pending.append((stream_of(envelope.payload), encode(envelope)))

    def flush(self) -> int:
        """XADD everything pending in one pipeline. On a Redis error the batch stays pending and the
        error propagates; the next flush sends it again (XADD ids are Redis's, so a batch that did reach
        Redis before the error is written twice, with the same event ids)."""
        if not self._pending:
            return 0
        pipe: Any = self._client.pipeline(transaction=False)
        for stream, body in self._pending:
            pipe.xadd(stream, {FIELD: body})
        pipe.execute()
        count = len(self._pending)
        self.written_streams.update(stream for stream, _ in self._pending)
        self._pending.clear()
        self.published += count
        return count
