"""Pure matching and account core (no I/O, no clock, no aiohttp): one-way mode, USDT-margined.

Orders fill against the top of book the simulator synthesizes: MARKET and crossing LIMIT orders take
the opposite best price (taker), resting LIMIT orders fill at their price once the opposite side
reaches it (maker). Every call returns the user-data events (Binance payload dicts) it caused, in order;
``now`` is always passed in. The paper venue drives the same :class:`Account` with its own book.

Split by seam: conditional (algo) orders and how their trigger plays out live in :mod:`simulator.algos`,
a fill's bookkeeping and pushes in :mod:`simulator.fills`, the settings and the rules for changing them
in :mod:`simulator.settings`, funding and positions the exchange closes itself in
:mod:`simulator.settlement`. A fresh ``Account(specs, balance)`` behaves as it
always did: every later behaviour is switched on by a field whose default keeps the old one. Limits: hedge
mode is a setting only (no LONG/SHORT legs, see :mod:`simulator.settings`); an ISOLATED symbol keeps an
isolated wallet of |amount| x entry / leverage and takes its funding, but margin checks stay cross-style.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from simulator import algos, fills, settlement, userdata
from simulator.errors import BinanceError
from simulator.model import (
    CONDITIONAL,
    ZERO,
    AlgoOrder,
    Event,
    Order,
    Position,
    TriggerRefusal,
    check_client_id,
    check_qty,
    check_tick,
)
from simulator.settings import AccountSettings, check_position_side
from simulator.symbols import SymbolSpec

__all__ = ["Account", "AlgoOrder", "Event", "Order", "Position"]


@dataclass
class Account:
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

    # -- orders -----------------------------------------------------------------------------------
    def new_order(
        self,
        symbol: str,
        side: str,
        type_: str,
        qty: Decimal,
        price: Decimal | None,
        tif: str,
        reduce_only: bool,
        client_id: str,
        now: int,
        *,
        position_side: str | None = None,
        reduce_only_sent: bool = False,
    ) -> tuple[Order, Order, list[Event]]:
        """Returns (order as accepted, order after immediate matching, events). ``position_side`` None and
        ``reduce_only_sent`` False: the request carried neither parameter (``reduce_only`` True implies
        it was sent)."""
        qty, crosses = self._check_order(
            symbol, side, type_, qty, price, tif, reduce_only, client_id, position_side, reduce_only_sent
        )
        spec = self.spec(symbol)
        book = self.books.get(symbol)
        was = self.position(symbol).amt
        self.next_order_id += 1
        order = Order(
            self.next_order_id,
            client_id,
            symbol,
            side,
            type_,
            tif if type_ == "LIMIT" else "GTC",
            qty,
            price if price is not None else ZERO,
            reduce_only,
            now,
            update_time=now,
        )
        accepted = Order(**order.__dict__)
        self.orders[order.order_id] = order
        events = [userdata.order_update(order, spec, "NEW", now)]
        if crosses and book is not None and type_ == "MARKET":
            events += fills.execute(self, order, self.taker_price(symbol, side), maker=False, now=now)
        elif crosses and book is not None:
            touch = self.book_qty.get(symbol, (None, None))[1 if side == "BUY" else 0]
            part = min(qty, touch) if touch is not None and touch > 0 else None
            events += fills.execute(self, order, book[1] if side == "BUY" else book[0], maker=False, now=now, qty=part)
        elif tif in ("IOC", "FOK"):
            order.status, order.update_time = "EXPIRED", now
            events.append(userdata.order_update(order, spec, "EXPIRED", now))
        return accepted, order, events + algos.expire_if_flat(self, symbol, was, now)

    def test_order(
        self,
        symbol: str,
        side: str,
        type_: str,
        qty: Decimal,
        price: Decimal | None,
        tif: str,
        reduce_only: bool,
        client_id: str,
        *,
        position_side: str | None = None,
        reduce_only_sent: bool = False,
    ) -> None:
        """Every check :meth:`new_order` makes, nothing placed (``POST /fapi/v1/order/test``)."""
        self._check_order(
            symbol, side, type_, qty, price, tif, reduce_only, client_id, position_side, reduce_only_sent
        )

    def _check_order(
        self,
        symbol: str,
        side: str,
        type_: str,
        qty: Decimal,
        price: Decimal | None,
        tif: str,
        reduce_only: bool,
        client_id: str,
        position_side: str | None,
        reduce_only_sent: bool,
    ) -> tuple[Decimal, bool]:
        """Raises the first rule the order breaks; returns (quantity to place, crosses the book)."""
        spec = self.spec(symbol)
        if type_ in CONDITIONAL:
            raise BinanceError(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order "
                "API endpoints instead.",
            )
        if type_ not in ("LIMIT", "MARKET"):
            raise BinanceError(-1116, "Invalid orderType.")
        check_position_side(self.settings, position_side, reduce_only or reduce_only_sent)
        check_client_id(client_id, any(o.client_id == client_id and o.is_open for o in self.orders.values()))
        check_qty(spec, qty)
        book = self.books.get(symbol)
        if type_ == "LIMIT":
            if price is None:
                raise BinanceError(
                    -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
                )
            check_tick(spec, price)
        elif book is None:
            raise BinanceError(
                -4131, "The counterparty's best price does not meet the PERCENT_PRICE filter limit."
            )
        ref = price if price is not None else (book[1] if side == "BUY" else book[0]) if book else ZERO
        pos = self.positions.get(symbol) or Position()
        if reduce_only:
            reducible = -pos.amt if side == "BUY" else pos.amt
            if reducible <= 0:
                raise BinanceError(-2022, "ReduceOnly Order is rejected.")
            qty = min(qty, reducible)
        elif qty * ref < spec.min_notional:
            raise BinanceError(
                -4164,
                f"Order's notional must be no smaller than {spec.min_notional} (unless you "
                "choose reduce only).",
            )
        if not reduce_only and qty * ref / self.leverage_of(symbol) > self.available():
            raise BinanceError(-2019, "Margin is insufficient.")
        crosses = book is not None and (
            type_ == "MARKET"
            or (
                price is not None
                and ((side == "BUY" and price >= book[1]) or (side == "SELL" and price <= book[0]))
            )
        )
        if tif == "GTX" and crosses:
            raise BinanceError(
                -5022,
                "Due to the order could not be executed as maker, the Post Only order will be rejected.",
            )
        return qty, crosses

    def cancel_order(
        self, symbol: str, order_id: int | None, client_id: str | None, now: int
    ) -> tuple[Order, list[Event]]:
        order = self.find_order(symbol, order_id, client_id)
        if order is None or not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        order.status, order.update_time = "CANCELED", now
        return order, [userdata.order_update(order, self.spec(symbol), "CANCELED", now)]

    def cancel_all(self, symbol: str, now: int) -> list[Event]:
        events: list[Event] = []
        for o in list(self.orders.values()):
            if o.symbol == symbol and o.is_open:
                events += self.cancel_order(symbol, o.order_id, None, now)[1]
        return events

    # -- algo orders (simulator.algos) ------------------------------------------------------------
    def new_algo(
        self,
        symbol: str,
        side: str,
        type_: str,
        qty: Decimal | None,
        trigger: Decimal,
        close_position: bool,
        reduce_only: bool,
        working_type: str,
        client_algo_id: str,
        now: int,
        *,
        price_protect: bool = False,
        position_side: str | None = None,
        reduce_only_sent: bool = False,
    ) -> tuple[AlgoOrder, list[Event]]:
        return algos.new_algo(
            self,
            symbol,
            side,
            type_,
            qty,
            trigger,
            close_position,
            reduce_only,
            working_type,
            client_algo_id,
            now,
            price_protect=price_protect,
            position_side=position_side,
            reduce_only_sent=reduce_only_sent,
        )

    def cancel_algo(
        self, algo_id: int | None, client_algo_id: str | None, now: int
    ) -> tuple[AlgoOrder, list[Event]]:
        return algos.cancel_algo(self, algo_id, client_algo_id, now)

    # -- exchange-side settlement (simulator.settlement) ------------------------------------------
    def apply_funding(self, symbol: str, rate: Decimal, mark: Decimal, now: int) -> list[Event]:
        return settlement.apply_funding(self, symbol, rate, mark, now)

    def force_close(self, symbol: str, kind: str, price: Decimal | None, now: int) -> list[Event]:
        return settlement.force_close(self, symbol, kind, price, now)

    # -- market data ------------------------------------------------------------------------------
    def on_book(
        self,
        symbol: str,
        bid: Decimal,
        ask: Decimal,
        now: int,
        bid_qty: Decimal | None = None,
        ask_qty: Decimal | None = None,
        *,
        mark: Decimal | None = None,
    ) -> list[Event]:
        """A resting LIMIT fills at its price once the opposite touch reaches it, at most the touch
        quantity per update (shared by the orders on that side) when the quantities are given. ``mark``:
        the exchange's mark price at this update (none pushed ever: the mark is the book mid)."""
        self.books[symbol] = (bid, ask)
        self.book_qty[symbol] = (bid_qty, ask_qty)
        if mark is not None:
            self.marks[symbol] = mark
        if symbol not in self.specs:
            return []
        was = self.positions[symbol].amt if symbol in self.positions else ZERO
        events: list[Event] = []
        left = {"BUY": ask_qty, "SELL": bid_qty}
        for o in list(self.orders.values()):
            if (
                o.symbol == symbol
                and o.is_open
                and o.type == "LIMIT"
                and ((o.side == "BUY" and ask <= o.price) or (o.side == "SELL" and bid >= o.price))
            ):
                avail = left[o.side]
                if avail is not None and avail <= 0:
                    continue
                part = None if avail is None else min(avail, o.qty - o.executed)
                if avail is not None and part is not None:
                    left[o.side] = avail - part
                events += fills.execute(self, o, o.price, maker=True, now=now, qty=part)
        events += algos.trigger_due(self, symbol, now)
        return events + algos.expire_if_flat(self, symbol, was, now)

    def on_mark(self, symbol: str, mark: Decimal, now: int) -> list[Event]:
        """A new mark price alone: MARK_PRICE (and price-protected) algo orders may trigger."""
        self.marks[symbol] = mark
        if symbol not in self.specs or symbol not in self.books:
            return []
        was = self.positions[symbol].amt if symbol in self.positions else ZERO
        return algos.trigger_due(self, symbol, now) + algos.expire_if_flat(self, symbol, was, now)

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
