"""Writing to the bus: command envelopes on `commands`, and waiting for a reply on another stream."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import redis.asyncio as aioredis

from schemas.envelope import Envelope, Payload, derive_id
from schemas.registry import FIELD, SkipEvent, decode, encode, stream_of


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def command_envelope(payload: Payload, idempotency_key: str, ts: int | None = None) -> Envelope:
    ts = now_ms() if ts is None else ts
    return Envelope(
        id=derive_id(f"api/{idempotency_key}", 0, ts),
        type=payload.TYPE,
        v=payload.VERSION,
        ts=ts,
        source="api",
        payload=payload,
    )


async def last_id(client: aioredis.Redis, stream: str) -> str:
    """The newest id on a stream, so a reply can be read from just after it."""
    newest: Any = await client.xrevrange(stream, count=1)
    if not newest:
        return "0-0"
    entry_id = newest[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def send(client: aioredis.Redis, envelope: Envelope) -> None:
    await client.xadd(stream_of(envelope.payload), {FIELD: encode(envelope)})


async def wait_for(
    client: aioredis.Redis, stream: str, after: str, match: Callable[[Envelope], bool], timeout_s: float
) -> Envelope | None:
    """The first envelope after `after` on `stream` that `match`es, or None after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    cursor = after
    while (left := deadline - time.monotonic()) > 0:
        replies: Any = await client.xread({stream: cursor}, count=100, block=max(1, int(left * 1000)))
        for _stream, entries in replies or []:
            for entry_id, fields in entries:
                cursor = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                envelope = envelope_of(fields)
                if envelope is not None and match(envelope):
                    return envelope
    return None


def envelope_of(fields: Mapping[Any, Any] | None) -> Envelope | None:
    """The envelope in a stream entry's fields, or None when it has none or it does not decode."""
    raw = fields.get(FIELD) if fields else None
    if raw is None:
        return None
    try:
        return decode(raw)
    except SkipEvent:
        return None
