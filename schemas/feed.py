"""Feed health on `feed`, written by ingest."""

from __future__ import annotations

from typing import Literal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import FEED

Route = Literal["public", "market", "private"]
FeedKind = Literal["book", "kline", "liquidation"]


@event(FEED)
class FeedConnected(Payload):
    route: Route
    streams: tuple[str, ...]
    attempt: int = 0


@event(FEED)
class FeedReconnecting(Payload):
    route: Route
    attempt: int
    delay_ms: int
    reason: str


@event(FEED)
class FeedStale(Payload):
    """A book or kline stream has been silent beyond `stale_data_seconds`. Entries stop."""

    symbol: str
    kind: FeedKind
    silent_ms: int


@event(FEED)
class FeedRecovered(Payload):
    symbol: str
    kind: FeedKind
    silent_ms: int
