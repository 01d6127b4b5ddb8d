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
    fee_usdt: Decimal  # the commission in USDT: converted at the fill's price of its asset when not USDT
    maker: bool
    final: bool
    fee: Decimal | None = None  # the commission as charged, in `fee_asset` (None: not reported apart)
    fee_asset: str = "USDT"
    realized_pnl: Decimal | None = None  # the exchange's realized profit of this fill (`rp`), before fees
    trade_id: int | None = None  # the exchange's trade id: one fill is booked once, whichever way it came


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


class SymbolFilters(BaseModel):
    """A symbol's trading rules (exchangeInfo filters) and our commission rates. The fields after the
    fee rates came later: None means not known (an older snapshot), and then nothing is checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: Symbol
    tick_size: Decimal
    step_size: Decimal  # LOT_SIZE: LIMIT orders
    min_qty: Decimal
    min_notional: Decimal
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    status: str = "TRADING"
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_qty: Decimal | None = None
    market_step_size: Decimal | None = None  # MARKET_LOT_SIZE: MARKET orders
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    percent_up: Decimal | None = None  # PERCENT_PRICE multipliers around the mark price
    percent_down: Decimal | None = None

    @property
    def market_step(self) -> Decimal:
        return self.market_step_size or self.step_size

    @property
    def largest_qty(self) -> Decimal | None:
        """The largest quantity both a LIMIT and a MARKET order may carry (the entry may be either)."""
        caps = [q for q in (self.max_qty, self.market_max_qty) if q is not None]
        return min(caps) if caps else None


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
class FlattenCompleted(Payload):
    """What a flatten did at the venue: orders cancelled, positions closed (symbol:qty)."""

    reason: str
    canceled: tuple[str, ...]
    closed: tuple[str, ...]
    ok: bool = True
    detail: str = ""


@event(EXECUTIONS)
class ExternalFill(Payload):
    """A fill in one of our symbols by an order that is not ours: the exchange closing a position
    (liquidation, auto-deleverage) or anyone else's order (an operator's manual close)."""

    symbol: Symbol
    client_order_id: str
    order_id: str
    kind: Literal["LIQUIDATION", "ADL", "EXTERNAL"]
    side: OrderSide
    qty: Decimal
    price: Decimal
    fee_usdt: Decimal
    fee: Decimal
    fee_asset: str
    realized_pnl: Decimal | None = None
    trade_id: int | None = None
    time: int = 0  # exchange ms


@event(EXECUTIONS)
class PositionReported(Payload):
    """The exchange's position in one symbol (signed amount), read after the fills it reports with it."""

    symbol: Symbol
    amount: Decimal
    entry_price: Decimal
    reason: str
    request: str | None = None  # the request this answers, when one asked


@event(EXECUTIONS)
class EntryNotPlaced(Payload):
    """An approved entry the executor did not send, and why (nothing reached the exchange)."""

    setup_id: str
    symbol: Symbol
    client_order_id: str
    reason: str

