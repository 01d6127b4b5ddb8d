"""One stream message as the projector sees it: decoded when possible, kept raw always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from schemas.envelope import Envelope
from schemas.registry import FIELD, SkipEvent, decode


@dataclass(frozen=True, slots=True)
class DecodedMessage:
    stream: str
    stream_id: str
    raw: str  # the encoded envelope as text (NULs removed: PostgreSQL text cannot hold them)
    envelope: Envelope | None
    skip_reason: str | None = None

    @property
    def raw_type(self) -> str | None:
        """The `type` of an undecodable message when its JSON says one."""
        if self.envelope is not None:
            return self.envelope.type
        try:
            data = orjson.loads(self.raw)
        except orjson.JSONDecodeError:
            return None
        value = data.get("type") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None


def decode_message(stream: str, stream_id: str, fields: dict[bytes, bytes] | None) -> DecodedMessage:
    raw_bytes = (fields or {}).get(FIELD)
    if raw_bytes is None:
        shown = orjson.dumps({k.decode(errors="replace"): v.decode(errors="replace")
                              for k, v in (fields or {}).items()}).decode()
        reason = f"malformed: entry has no {FIELD.decode()!r} field"
        return DecodedMessage(stream, stream_id, _text(shown), None, reason)
    raw = _text(raw_bytes.decode(errors="replace"))
    try:
        return DecodedMessage(stream, stream_id, raw, decode(raw_bytes))
    except SkipEvent as skip:
        return DecodedMessage(stream, stream_id, raw, None, f"{skip.kind}: {skip.detail}")


def _text(value: str) -> str:
    return value.replace("\x00", "")


def at(ms: int | None) -> datetime | None:
    """Epoch ms → an aware UTC datetime (exact to the millisecond)."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000)
    except (OverflowError, OSError, ValueError):
        return None  # out of datetime's range: stored without a time rather than refused
