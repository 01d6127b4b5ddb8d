"""Timeline items the playback engine consumes, whatever their source (CSV, recording, scenario)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Side = Literal["BUY", "SELL"]
Route = Literal["public", "market", "private"]


@dataclass(frozen=True)
class Bar:
    """One complete 1m kline with the exact strings of its source (Binance kline field names)."""

    symbol: str
    open_time: int
    o: str
    h: str
    l: str  # noqa: E741 - Binance's own field name
    c: str
    v: str
    q: str
    n: int
    V: str
    Q: str

    @property
    def close_time(self) -> int:
        return self.open_time + 59_999


@dataclass(frozen=True)
class KlineTick:
    """An intra-minute kline update (``closed=False``) or the final frame of the bar (``closed=True``)."""

    ts: int
    bar: Bar
    price: Decimal
    high: Decimal
    low: Decimal
    fraction: Decimal  # share of the bar's volume/trades traded so far
    closed: bool


@dataclass(frozen=True)
class Liquidation:
    """A forceOrder push. ``ts`` is when it is pushed, ``trade_time`` is ``o.T``."""

    ts: int
    symbol: str
    side: Side
    price: str
    qty: str
    trade_time: int


@dataclass(frozen=True)
class BookSpread:
    """Scenario instruction: from ``ts`` on, synthesize the book of ``symbol`` with this spread."""

    ts: int
    symbol: str
    spread_bps: float


@dataclass(frozen=True)
class RawFrame:
    """A recorded raw Binance payload, re-sent as it was (``E``/``T`` are kept)."""

    ts: int
    route: Route
    stream: str
    data: dict[str, Any]


@dataclass(frozen=True)
class FaultAt:
    """Apply ``fault`` (same JSON as ``POST /_sim/fault``) at virtual time ``ts``."""

    ts: int
    fault: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Heartbeat:
    """Once per virtual second: drives markPrice pushes and book refreshes."""

    ts: int


TimelineEvent = KlineTick | Liquidation | BookSpread | RawFrame | FaultAt | Heartbeat

# Order of events sharing a timestamp: a bar's final frame before anything else of that ms.
_PRIORITY: dict[type[Any], int] = {
    FaultAt: 0,
    BookSpread: 1,
    KlineTick: 2,
    RawFrame: 3,
    Liquidation: 4,
    Heartbeat: 5,
}


def sort_key(event: TimelineEvent) -> tuple[int, int]:
    return (event.ts, _PRIORITY[type(event)])


def shifted(event: TimelineEvent, offset_ms: int) -> TimelineEvent:
    """The same event ``offset_ms`` later (used by ``--loop``)."""
    from dataclasses import replace

    if isinstance(event, KlineTick):
        bar = replace(event.bar, open_time=event.bar.open_time + offset_ms)
        return replace(event, ts=event.ts + offset_ms, bar=bar)
    if isinstance(event, Liquidation):
        return replace(event, ts=event.ts + offset_ms, trade_time=event.trade_time + offset_ms)
    if isinstance(event, RawFrame):
        return replace(event, ts=event.ts + offset_ms, data=_shift_times(event.data, offset_ms))
    return replace(event, ts=event.ts + offset_ms)


def _shift_times(data: dict[str, Any], offset_ms: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("E", "T", "t") and isinstance(value, int) and value > 10**12:
            out[key] = value + offset_ms
        elif isinstance(value, dict):
            out[key] = _shift_times(value, offset_ms)
        else:
            out[key] = value
    return out
