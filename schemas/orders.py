"""The executor's order lifecycle and venue facts on `executions`."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import EXECUTIONS
from schemas.types import OrderSide, Symbol

OrderType = Literal["LIMIT", "MARKET", "STOP_MARKET", "TAKE_PROFIT_MARKET"]
OrderPurpose = Literal["ENTRY", "STOP_LOSS", "TAKE_PROFIT", "TIME_STOP", "FLATTEN", "INCIDENT"]


class _Order(Payload):
    client_order_id: str  # deterministic, from the intent id; ≤ 36 chars, Binance's alphabet
    setup_id: str | None
    symbol: Symbol


@event(EXECUTIONS)
class OrderSubmitted(_Order):
    side: OrderSide
    order_type: OrderType
    purpose: OrderPurpose
    qty: Decimal | None  # None for closePosition algo orders
    price: Decimal | None = None  # limit price or trigger price
    reduce_only: bool = False
    attempt: int = 1


@event(EXECUTIONS)
class OrderAccepted(_Order):
    exchange_order_id: str


@event(EXECUTIONS)
class OrderRejected(_Order):
    code: int
    msg: str


@event(EXECUTIONS)
class OrderFilled(_Order):
    """One execution. `final` is true when the order has no quantity left."""

    side: OrderSide
    purpose: OrderPurpose
    fill_qty: Decimal
    fill_price: Decimal
    cum_qty: Decimal
    avg_price: Decimal
    fee_usdt: Decimal
    maker: bool
    final: bool


@event(EXECUTIONS)
class OrderCanceled(_Order):
    filled_qty: Decimal
    reason: str = ""


@event(EXECUTIONS)
class ProtectionPlaced(_Order):
    kind: Literal["STOP_LOSS", "TAKE_PROFIT"]
    trigger_price: Decimal


@event(EXECUTIONS)
class VenueError(Payload):
    operation: str
    code: int | None
    msg: str
    retriable: bool
    symbol: str | None = None
    client_order_id: str | None = None  # the order the failed operation was about, when there is one
    until_ts: int | None = None  # 418: when the IP ban ends


@event(EXECUTIONS)
class LeverageSet(Payload):
    symbol: Symbol
    leverage: int


class SymbolFilters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: Symbol
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    ok: bool
    detail: str


@event(EXECUTIONS)
class BootChecksCompleted(Payload):
    """The executor's boot (seed §10.2). The governor goes RUNNING only after ok=true."""

    ok: bool
    venue: Literal["paper", "live"]
    checks: tuple[CheckResult, ...]
    filters: tuple[SymbolFilters, ...]


@event(EXECUTIONS)
class HealthCheckResult(Payload):
    idempotency_key: str
    ok: bool
    checks: tuple[CheckResult, ...]


@event(EXECUTIONS)
class AccountUpdated(Payload):
    """Equity as the venue reports it (paper: starting balance plus realized PnL)."""

    equity: Decimal
    wallet_balance: Decimal
    available: Decimal


@event(EXECUTIONS)
class FlattenCompleted(Payload):
    """What a flatten did at the venue: orders cancelled, positions closed (symbol:qty)."""

    reason: str
    canceled: tuple[str, ...]
    closed: tuple[str, ...]
    ok: bool = True
    detail: str = ""
