"""A recording: envelopes read back from the log with the stream and stream id each was recorded under;
and the times a replay is given (ISO or epoch ms) and shows (ISO, UTC)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from runtime.bus import id_key
from schemas.envelope import Envelope


@dataclass(frozen=True, slots=True)
class Recorded:
    stream: str
    stream_id: str
    envelope: Envelope


@dataclass
class Recording:
    events: list[Recorded] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # undecodable entries in the window, by kind

    def sort(self) -> None:
        """Event time first; ties keep append order (the stream id), then a fixed stream order."""
        self.events.sort(key=lambda r: (r.envelope.ts, safe_id_key(r.stream_id), r.stream))


def parse_time(text: str) -> int:
    """Epoch ms from an ISO time (naive means UTC) or from epoch ms digits. ValueError when neither."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO time nor epoch milliseconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def safe_id_key(stream_id: str) -> tuple[int, int]:
    """The stream id's (ms, seq), or (0, 0) for an id that is not a stream id."""
    try:
        return id_key(stream_id)
    except ValueError:
        return (0, 0)
