"""Positions on `executions`: opened, closed (the trades table), incidents."""

from __future__ import annotations

from decimal import Decimal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import EXECUTIONS
from schemas.types import EpochMs, ExitReason, PositionSide, Symbol


@event(EXECUTIONS)
class PositionOpened(Payload):
    setup_id: str
    symbol: Symbol
    side: PositionSide
    qty: Decimal
    entry_price: Decimal
    stop_price: Decimal
    take_profit_price: Decimal
    opened_ts: EpochMs
    time_stop_ts: EpochMs


@event(EXECUTIONS)
class PositionClosed(Payload):
    """One finished trade, with exactly the columns of the seed's trades table."""

    setup_id: str
    symbol: Symbol
    side: PositionSide
    reason: ExitReason
    qty: Decimal
    entry_price: Decimal
    exit_price: Decimal
    pnl_usdt: Decimal  # net of fees
    pnl_pct: Decimal  # pnl_usdt over entry notional
    fees_usdt: Decimal
    slippage_bps: Decimal  # entry fill vs the signal's reference price, adverse positive
    opened_ts: EpochMs
    closed_ts: EpochMs
    duration_ms: int


@event(EXECUTIONS)
class IncidentReported(Payload):
    """Something that must never happen did, and what the executor did about it."""

    kind: str  # NAKED_POSITION, UNKNOWN_POSITION, UNKNOWN_ORDER, ...
    symbol: str | None
    setup_id: str | None
    detail: str
    action: str
