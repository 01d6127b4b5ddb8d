"""The account's state and what can be read from it: wallet, positions, open orders and algo orders, the
books and marks it has seen, its settings; margin, the contract and mark prices, the taker's price.

Every module of the model works on this state (:mod:`exchange.fills`, :mod:`exchange.algos`,
:mod:`exchange.settlement`, :mod:`exchange.settings_changes`); :class:`exchange.account.Account` adds the
entry points. The fields are part of the executor's paper snapshot format: add new ones with defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from exchange.errors import BinanceError
from exchange.records import ZERO, AlgoOrder, Order, Position, TriggerRefusal
from exchange.settings import AccountSettings
from exchange.symbols import SymbolSpec


@dataclass
class AccountState:
    specs: dict[str, SymbolSpec]
    balance: Decimal
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    default_leverage: int = 20
    leverage: dict[str, int] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    algos: dict[int, AlgoOrder] = field(default_factory=dict)
    books: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    # touch quantities (bid, ask) when known: a LIMIT at the touch fills at most that much per update
    book_qty: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    # None: MARKET/triggered orders take the opposite touch; else mid ± this many bp (the paper venue)
    market_slippage_bps: Decimal | None = None
    next_order_id: int = 4_000_000_000
    next_algo_id: int = 2_000_000
    next_trade_id: int = 900_000_000
    settings: AccountSettings = field(default_factory=AccountSettings)
    bnb_balance: Decimal = ZERO  # BNB wallet, spent on commissions when settings.fee_asset == "BNB"
    marks: dict[str, Decimal] = field(default_factory=dict)  # pushed mark prices; absent: the book mid
    refusals: list[TriggerRefusal] = field(default_factory=list)  # queued trigger-time refusals

    # -- views ------------------------------------------------------------------------------------
    def last(self, symbol: str) -> Decimal | None:
        """The contract (last) price: the book mid."""
        book = self.books.get(symbol)
        return (book[0] + book[1]) / 2 if book else None

    def mark(self, symbol: str) -> Decimal | None:
        mark = self.marks.get(symbol)
        return mark if mark is not None else self.last(symbol)

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position())

    def unrealized(self) -> Decimal:
        total = ZERO
        for sym, pos in self.positions.items():
            mark = self.mark(sym)
            if pos.amt and mark is not None:
                total += pos.amt * (mark - pos.entry)
        return total

    def used_margin(self) -> Decimal:
        total = ZERO
        for sym, pos in self.positions.items():
            mark = self.mark(sym) or pos.entry
            total += abs(pos.amt) * mark / self.leverage_of(sym)
        for o in self.orders.values():
            if o.is_open and not o.reduce_only:
                total += (o.qty - o.executed) * o.price / self.leverage_of(o.symbol)
        return total

    def available(self) -> Decimal:
        return self.balance + self.unrealized() - self.used_margin()

    def cross_wallet(self) -> Decimal:
        return self.balance - sum((p.isolated_wallet for p in self.positions.values()), ZERO)

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, self.default_leverage)

    def find_order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order | None:
        for o in self.orders.values():
            if o.symbol == symbol and (
                o.order_id == order_id or (client_id is not None and o.client_id == client_id)
            ):
                return o
        return None

    def find_algo(self, algo_id: int | None, client_algo_id: str | None) -> AlgoOrder | None:
        for a in self.algos.values():
            if a.algo_id == algo_id or (client_algo_id is not None and a.client_algo_id == client_algo_id):
                return a
        return None

    # -- fills ------------------------------------------------------------------------------------
    def taker_price(self, symbol: str, side: str) -> Decimal:
        bid, ask = self.books[symbol]
        if self.market_slippage_bps is None:
            return ask if side == "BUY" else bid
        mid = (bid + ask) / 2
        slip = mid * self.market_slippage_bps / 10_000
        spec = self.spec(symbol)  # a price on the tick, rounded against the taker
        return spec.ceil_tick(mid + slip) if side == "BUY" else spec.floor_tick(mid - slip)

    def spec(self, symbol: str) -> SymbolSpec:
        spec = self.specs.get(symbol)
        if spec is None:
            raise BinanceError(-1121, "Invalid symbol.")
        return spec
