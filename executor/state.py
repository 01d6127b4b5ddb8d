"""The executor core's state: trades (one per setup), the orders it knows, the request outbox, books.

Plain mutable dataclasses; the core copies the state (`clone`) before it changes anything, so a failing
decision never leaves a half-updated state behind. Snapshots are pydantic JSON of the whole tree (the config
the core runs with, and the paper venue's `exchange.account.Account`, included).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter

from exchange.account import Account
from schemas.config import BotConfig
from schemas.orders import SymbolFilters
from schemas.types import PositionSide, Symbol

ZERO = Decimal(0)
T = TypeVar("T")
# place / cancel an order; sweep: flatten everything at the venue; health: the operator's health check;
# settle: read a symbol's fills and position at the venue (a position that may have closed without us);
# account: apply the config's leverage and margin type at the venue
Action = Literal["place", "cancel", "sweep", "health", "settle", "account"]
Stage = Literal["ENTERING", "OPEN", "CLOSING", "DONE"]


@dataclass
class Request:
    """One thing the venue must do. Paper: done inside the same decision. Live: the runner does it and
    the venue's answer comes back as an event; the request leaves the outbox when that answer arrives."""

    action: Action
    cid: str  # client order id / clientAlgoId; sweep: "sweep-<n>"; health: the idempotency key
    symbol: str = ""
    side: str = ""
    type: str = ""  # LIMIT | MARKET | STOP_MARKET | TAKE_PROFIT_MARKET
    qty: Decimal | None = None
    price: Decimal | None = None  # limit or trigger price
    reduce_only: bool = False
    purpose: str = ""
    setup_id: str | None = None
    created: int = 0
    working_type: str = "CONTRACT_PRICE"  # stop and take profit: what they trigger on
    price_protect: bool = False
    since: int | None = None  # settle: fills from this exchange ms on
    leverage: int | None = None  # account
    margin_type: str | None = None  # account


@dataclass
class Order:
    cid: str
    setup_id: str | None
    symbol: str
    side: str
    type: str
    purpose: str
    qty: Decimal | None
    price: Decimal | None
    status: str = "PENDING"  # PENDING → NEW → FILLED | CANCELED | REJECTED
    filled: Decimal = ZERO
    cost: Decimal = ZERO  # Σ fill qty × price
    fees: Decimal = ZERO
    exchange_id: str = ""
    cancel_requested: bool = False
    code: int | None = None  # the venue's error code when it was rejected
    detail: str = ""  # why it was rejected or ended ("-2021 Order would immediately trigger.")

    @property
    def is_open(self) -> bool:
        return self.status in ("PENDING", "NEW")


@dataclass
class Trade:
    setup_id: str
    key: str  # the intent-id hash the client ids are made of
    symbol: Symbol
    side: PositionSide
    qty: Decimal  # approved
    ref_price: Decimal  # EntryApproved.entry_price, for slippage
    sl_pct: Decimal
    tp_pct: Decimal
    time_stop_s: int
    timeout_ms: int
    use_market: bool
    approved_ts: int
    working_type: str = "MARK_PRICE"
    price_protect: bool = False
    stage: Stage = "ENTERING"
    entry_qty: Decimal = ZERO
    entry_cost: Decimal = ZERO
    entry_fees: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_cost: Decimal = ZERO
    exit_fees: Decimal = ZERO
    entry_deadline: int | None = None
    entry_done: bool = False  # no more entry quantity will come
    opened_ts: int | None = None
    naked_deadline: int | None = None
    time_stop_ts: int | None = None
    stop_price: Decimal | None = None
    tp_price: Decimal | None = None
    stop_ok: bool = False
    sl_cid: str = ""  # the current stop / take profit (a replacement supersedes the first one)
    tp_cid: str = ""
    opened_emitted: bool = False
    reason: str | None = None  # the exit reason once closing
    close_failed: bool = False
    # Immutable values only below (tuples, mappings replaced whole): `clone` copies a trade shallowly.
    fill_ids: tuple[int, ...] = ()  # exchange trade ids booked on this trade: a fill counts once
    realized: Decimal = ZERO  # Σ the exchange's realized PnL (`rp`) of the exit fills
    realized_known: bool = True  # every exit fill reported its `rp`
    fees_by_asset: tuple[tuple[str, Decimal], ...] = ()
    funding: Decimal = ZERO
    replaced: tuple[str, ...] = ()  # purposes whose protective order was re-placed once after it ended
    close_attempts: int = 0  # market closes rejected in a row
    close_retry_at: int | None = None
    settling: bool = False  # a settle request is out: the venue's fills and position are being read
    adopted: bool = False  # rebuilt from the exchange (snapshot lost): its entry fills are not ours to count

    @property
    def position(self) -> Decimal:
        return self.entry_qty - self.exit_qty


@dataclass
class ExecState:
    mode: Literal["paper", "live"]  # the venue's name
    config: BotConfig  # as published last (ConfigPublished), else as the process started
    booted: bool = False
    filters: dict[str, SymbolFilters] = field(default_factory=dict)
    books: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    trades: dict[str, Trade] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    outbox: list[Request] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # handled intent/command keys, newest last
    equity: Decimal = ZERO
    paper: Account | None = None
    sweeps: int = 0
    stream_up: bool = False  # live: the user-data stream is connected (paper: always)
    wallet: Decimal | None = None  # live: the exchange's USDT wallet, as last reported
    unrealized: dict[str, Decimal] = field(default_factory=dict)  # live: per symbol, as last reported
    available: Decimal | None = None
    fee_debt: Decimal = ZERO  # live: commissions paid in other assets (BNB), in USDT at each fill
    account_due: bool = False  # a leverage or margin type change waits for the trades to end
    settles: int = 0
    accounts: int = 0

    def remember(self, key: str) -> bool:
        """True the first time `key` is seen (idempotency for intents and commands)."""
        if key in self.seen:
            return False
        self.seen = [*self.seen[-499:], key]
        return True


def clone(state: ExecState) -> ExecState:
    """A copy the core may change freely. Trades, orders and requests hold only immutable values
    (str, int, bool, Decimal, frozen models), so a shallow copy of each is a deep copy of the tree, at a
    tenth of `copy.deepcopy`'s cost; the paper venue's matching account is deep-copied (the frozen config
    is shared)."""
    if state.paper is not None:
        return copy.deepcopy(state, {id(state.config): state.config})
    s = _shallow(state)
    s.filters, s.books, s.seen = dict(state.filters), dict(state.books), list(state.seen)
    s.unrealized = dict(state.unrealized)
    s.trades = {k: _shallow(t) for k, t in state.trades.items()}
    s.orders = {k: _shallow(o) for k, o in state.orders.items()}
    s.outbox = [_shallow(r) for r in state.outbox]
    return s


def _shallow(obj: T) -> T:
    """copy.copy for our plain dataclasses, without its reduce protocol (~15x faster)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


_ADAPTER: TypeAdapter[ExecState] = TypeAdapter(ExecState)


def dump(state: ExecState) -> bytes:
    """Live: the same bytes as `_ADAPTER.dump_json(state)` in about half the time (orjson walks the
    dataclasses natively; only Decimals and the frozen filter models go through `_json_default`). The
    paper account has non-string keys, which pydantic writes its own way."""
    if state.paper is not None:
        return _ADAPTER.dump_json(state)
    return orjson.dumps(state, default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BotConfig):
        return _config_json(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not serializable in a snapshot")


_last_config: tuple[BotConfig, orjson.Fragment] | None = None


def _config_json(config: BotConfig) -> orjson.Fragment:
    """The config as JSON, written once per config rather than once per snapshot (it rarely changes)."""
    global _last_config
    if _last_config is None or _last_config[0] is not config:
        _last_config = (config, orjson.Fragment(config.model_dump_json()))
    return _last_config[1]


def load(raw: bytes, started_with: BotConfig) -> ExecState:
    """The saved state, running the newer of its config and the one the process started with (as the strategy
    does). A snapshot written before the config lived in the state runs the one the process started with."""
    data = orjson.loads(raw)
    saved = data.get("config")
    if saved is not None and BotConfig.model_validate(saved).version >= started_with.version:
        return _ADAPTER.validate_json(raw)
    data["config"] = orjson.loads(started_with.model_dump_json())
    return _ADAPTER.validate_json(orjson.dumps(data))
