"""A JSONL file of envelopes (a stream export or a replay's events.jsonl) as replay input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from schemas.envelope import Envelope
from schemas.registry import SkipEvent, decode


def read_events_jsonl(path: str) -> tuple[list[Envelope], Counter[str]]:
    """Every decodable envelope in the file, and what was skipped (unknown or newer types), by kind."""
    events: list[Envelope] = []
    skipped: Counter[str] = Counter()
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                events.append(decode(line))
            except SkipEvent as skip:
                skipped[skip.kind] += 1
    return events, skipped


def in_time_order(events: Iterable[Envelope]) -> list[Envelope]:
    """Stable sort by event time: ties keep their recorded order."""
    return sorted(events, key=lambda e: e.ts)
