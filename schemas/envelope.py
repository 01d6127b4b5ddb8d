"""One envelope for every event, and the base class of every typed payload."""

from __future__ import annotations

from hashlib import blake2b
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, SerializeAsAny


class Payload(BaseModel):
    """Base of every event payload. `TYPE`, `VERSION` and `STREAM` are set by `schemas.registry.event`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    STREAM: ClassVar[str] = ""


class Envelope(BaseModel):
    """An event as it travels on a stream and sits in the audit log.

    `ts` is event time in epoch ms (exchange time for market data, the deciding clock otherwise);
    `recv_ts` is set only by ingest. `correlation_id` is the setup id linking spike → trade.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str
    v: int
    ts: int
    recv_ts: int | None = None
    source: str
    correlation_id: str | None = None
    causation_id: str | None = None
    payload: SerializeAsAny[Payload]


def derive_id(cause: str, index: int, ts: int) -> str:
    """A sortable, unique, deterministic event id: event time first, then a digest of (cause, position).

    The same cause and position always give the same id, so a replay reproduces ids byte for byte and a
    worker that re-processes an event after a crash writes the same ids again.
    """
    digest = blake2b(f"{cause}#{index}".encode(), digest_size=8).hexdigest()
    return f"{ts:013d}-{digest}"
