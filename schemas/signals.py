"""Setups on `signals`, written by strategy: the market_events of the dashboard."""

from __future__ import annotations

from decimal import Decimal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import SIGNALS
from schemas.types import EpochMs, PositionSide, RejectReason, Symbol


class _Setup(Payload):
    setup_id: str  # <SYMBOL>-<LONG|SHORT>-<T ms>
    symbol: Symbol
    side: PositionSide


@event(SIGNALS)
class SetupDetected(_Setup):
    """The rolling liquidation USD sum crossed `min_liq_usd[symbol]` from below."""

    liq_usd: Decimal
    liq_count: int
    window_start_ts: EpochMs
    trigger_ts: EpochMs
    threshold_usd: Decimal


@event(SIGNALS)
class SetupConfirmed(_Setup):
    liq_usd: Decimal
    volume: Decimal
    avg_volume: Decimal
    volume_mult: float
    spread_bps: float
    impulse_move_pct: float
    extreme_price: Decimal
    bid: Decimal
    ask: Decimal
    exhaustion_candles: int


@event(SIGNALS)
class SetupRejected(_Setup):
    """`measured` holds the values that failed, by name (e.g. {"spread_bps": "4.2", "max": "3"})."""

    reason: RejectReason
    detail: str
    liq_usd: Decimal
    measured: dict[str, str] = {}
