"""Positions on `executions`: opened, closed (the trades table), incidents."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

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
    pnl_usdt: Decimal  # net of fees and funding: the exchange's realized PnL less commissions plus funding
    pnl_pct: Decimal  # pnl_usdt over entry notional
    fees_usdt: Decimal  # every commission, each converted to USDT at its fill
    slippage_bps: Decimal  # entry fill vs the signal's reference price, adverse positive
    opened_ts: EpochMs
    closed_ts: EpochMs
    duration_ms: int
    funding_usdt: Decimal = Decimal(0)  # funding paid (negative) or received while the position was open
    fees_by_asset: dict[str, Decimal] = {}  # the commissions as charged, per asset (USDT, BNB, ...)


@event(EXECUTIONS)
class IncidentReported(Payload):
    """Something that must never happen did, and what the executor did about it."""

    kind: str  # NAKED_POSITION, UNKNOWN_POSITION, UNKNOWN_ORDER, STOP_REPLACED, ...
    symbol: str | None
    setup_id: str | None
    detail: str
    action: str
    halts: bool = True  # the governor stops trading (ERROR); False: recorded and alerted, trading goes on


class AdoptedOrder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_order_id: str
    purpose: str
    order_type: str
    price: Decimal | None
    exchange_order_id: str


@event(EXECUTIONS)
class TradeAdopted(Payload):
    """A trade rebuilt at boot when the executor's own record was lost (Redis lost): the position at the
    exchange, matched by symbol and side with an open trade in PostgreSQL, and our orders still working."""

    setup_id: str
    key: str  # the client-id key of the trade's orders (`lf-<key>-<leg>`)
    symbol: Symbol
    side: PositionSide
    qty: Decimal  # the exchange's position
    entry_price: Decimal  # the exchange's entry price
    opened_ts: EpochMs
    stop_price: Decimal | None
    take_profit_price: Decimal | None
    sl_pct: Decimal
    tp_pct: Decimal
    time_stop_ts: EpochMs
    orders: tuple[AdoptedOrder, ...] = ()
