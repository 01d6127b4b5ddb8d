"""Pure matching and account core (no I/O, no clock, no aiohttp): one-way mode, cross margin, USDT.

Orders fill against the top of book the simulator synthesizes: MARKET and crossing LIMIT orders take
the opposite best price (taker), resting LIMIT orders fill at their price once the opposite side
reaches it (maker). Conditional (algo) orders trigger on the book mid. Every call returns the
user-data events (Binance payload dicts) it caused, in order; ``now`` is always passed in.
The paper venue can drive the same :class:`Account` with its own book.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulator import userdata
from simulator.errors import BinanceError
from simulator.symbols import SymbolSpec

Event = dict[str, Any]
CONDITIONAL = {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
ZERO = Decimal(0)


@dataclass
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    tif: str
    qty: Decimal
    price: Decimal
    reduce_only: bool
    time: int
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    close_position: bool = False
    stop_price: Decimal = ZERO

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed if self.executed else ZERO

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    type: str
    qty: Decimal
    trigger_price: Decimal
    close_position: bool
    reduce_only: bool
    working_type: str
    create_time: int
    status: str = "NEW"
    update_time: int = 0
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO
    actual_qty: Decimal = ZERO


@dataclass
class Position:
    amt: Decimal = ZERO
    entry: Decimal = ZERO
    realized: Decimal = ZERO
    update_time: int = 0


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

    # -- views ------------------------------------------------------------------------------------
    def mark(self, symbol: str) -> Decimal | None:
        book = self.books.get(symbol)
        return (book[0] + book[1]) / 2 if book else None

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
            total += abs(pos.amt) * mark / self.leverage.get(sym, self.default_leverage)
        for o in self.orders.values():
            if o.is_open and not o.reduce_only:
                total += (o.qty - o.executed) * o.price / self.leverage.get(o.symbol, self.default_leverage)
        return total

    def available(self) -> Decimal:
        return self.balance + self.unrealized() - self.used_margin()

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
    ) -> tuple[Order, Order, list[Event]]:
        """Returns (order as accepted, order after immediate matching, events)."""
        spec = self._spec(symbol)
        if type_ in CONDITIONAL:
            raise BinanceError(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order "
                "API endpoints instead.",
            )
        if type_ not in ("LIMIT", "MARKET"):
            raise BinanceError(-1116, "Invalid orderType.")
        self._check_client_id(
            client_id, any(o.client_id == client_id and o.is_open for o in self.orders.values())
        )
        self._check_qty(spec, qty)
        book = self.books.get(symbol)
        if type_ == "LIMIT":
            if price is None:
                raise BinanceError(
                    -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
                )
            if price <= 0 or (price - spec.min_price) % spec.tick != 0:
                raise BinanceError(-4014, "Price not increased by tick size.")
        elif book is None:
            raise BinanceError(
                -4131, "The counterparty's best price does not meet the PERCENT_PRICE filter limit."
            )
        ref = price if price is not None else (book[1] if side == "BUY" else book[0]) if book else ZERO
        pos = self.position(symbol)
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
        if (
            not reduce_only
            and qty * ref / self.leverage.get(symbol, self.default_leverage) > self.available()
        ):
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
            events += self._fill(order, self._taker_price(symbol, side), maker=False, now=now)
        elif crosses and book is not None:
            touch = self.book_qty.get(symbol, (None, None))[1 if side == "BUY" else 0]
            part = min(qty, touch) if touch is not None and touch > 0 else None
            events += self._fill(order, book[1] if side == "BUY" else book[0], maker=False, now=now, qty=part)
        elif tif in ("IOC", "FOK"):
            order.status, order.update_time = "EXPIRED", now
            events.append(userdata.order_update(order, spec, "EXPIRED", now))
        return accepted, order, events

    def cancel_order(
        self, symbol: str, order_id: int | None, client_id: str | None, now: int
    ) -> tuple[Order, list[Event]]:
        order = self.find_order(symbol, order_id, client_id)
        if order is None or not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        order.status, order.update_time = "CANCELED", now
        return order, [userdata.order_update(order, self._spec(symbol), "CANCELED", now)]

    def cancel_all(self, symbol: str, now: int) -> list[Event]:
        events: list[Event] = []
        for o in list(self.orders.values()):
            if o.symbol == symbol and o.is_open:
                events += self.cancel_order(symbol, o.order_id, None, now)[1]
        return events

    # -- algo orders ------------------------------------------------------------------------------
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
    ) -> tuple[AlgoOrder, list[Event]]:
        spec = self._spec(symbol)
        if type_ not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
            raise BinanceError(-1116, "Invalid orderType.")
        self._check_client_id(
            client_algo_id,
            any(a.client_algo_id == client_algo_id and a.status == "NEW" for a in self.algos.values()),
        )
        if close_position and (qty is not None or reduce_only):
            raise BinanceError(
                -1106,
                "Parameter 'quantity' sent when not required."
                if qty is not None
                else "Parameter 'reduceOnly' sent when not required.",
            )
        if not close_position:
            if qty is None:
                raise BinanceError(
                    -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."
                )
            self._check_qty(spec, qty)
        if trigger <= 0 or (trigger - spec.min_price) % spec.tick != 0:
            raise BinanceError(-4014, "Price not increased by tick size.")
        mark = self.mark(symbol)
        if mark is not None and self._triggered(type_, side, trigger, mark):
            raise BinanceError(-2021, "Order would immediately trigger.")
        self.next_algo_id += 1
        algo = AlgoOrder(
            self.next_algo_id,
            client_algo_id,
            symbol,
            side,
            type_,
            qty or ZERO,
            trigger,
            close_position,
            reduce_only,
            working_type,
            now,
            update_time=now,
        )
        self.algos[algo.algo_id] = algo
        return algo, [userdata.algo_update(algo, spec, now)]

    def cancel_algo(
        self, algo_id: int | None, client_algo_id: str | None, now: int
    ) -> tuple[AlgoOrder, list[Event]]:
        algo = self.find_algo(algo_id, client_algo_id)
        if algo is None or algo.status != "NEW":
            raise BinanceError(-2011, "Unknown order sent.")
        algo.status, algo.update_time = "CANCELED", now
        return algo, [userdata.algo_update(algo, self._spec(algo.symbol), now)]

    # -- market data ------------------------------------------------------------------------------
    def on_book(
        self,
        symbol: str,
        bid: Decimal,
        ask: Decimal,
        now: int,
        bid_qty: Decimal | None = None,
        ask_qty: Decimal | None = None,
    ) -> list[Event]:
        """A resting LIMIT fills at its price once the opposite touch reaches it, at most the touch
        quantity per update (shared by the orders on that side) when the quantities are given."""
        self.books[symbol] = (bid, ask)
        self.book_qty[symbol] = (bid_qty, ask_qty)
        if symbol not in self.specs:
            return []
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
                events += self._fill(o, o.price, maker=True, now=now, qty=part)
        mid = (bid + ask) / 2
        for a in list(self.algos.values()):
            if (
                a.symbol == symbol
                and a.status == "NEW"
                and self._triggered(a.type, a.side, a.trigger_price, mid)
            ):
                events += self._trigger(a, now)
        return events

    # -- internals --------------------------------------------------------------------------------
    @staticmethod
    def _triggered(type_: str, side: str, trigger: Decimal, price: Decimal) -> bool:
        if type_ == "STOP_MARKET":
            return price >= trigger if side == "BUY" else price <= trigger
        return price <= trigger if side == "BUY" else price >= trigger

    def _trigger(self, algo: AlgoOrder, now: int) -> list[Event]:
        spec = self._spec(algo.symbol)
        pos = self.position(algo.symbol)
        algo.trigger_time = algo.update_time = now
        algo.status = "TRIGGERING"
        events = [userdata.algo_update(algo, spec, now)]
        reducible = -pos.amt if algo.side == "BUY" else pos.amt
        qty = reducible if algo.close_position else algo.qty
        if (algo.close_position or algo.reduce_only) and reducible <= 0:
            algo.status = "EXPIRED"
            return [*events, userdata.algo_update(algo, spec, now)]
        if algo.reduce_only:
            qty = min(qty, reducible)
        self.next_order_id += 1
        order = Order(
            self.next_order_id,
            algo.client_algo_id,
            algo.symbol,
            algo.side,
            "MARKET",
            "GTC",
            qty,
            ZERO,
            algo.close_position or algo.reduce_only,
            now,
            update_time=now,
            close_position=algo.close_position,
            stop_price=algo.trigger_price,
        )
        self.orders[order.order_id] = order
        algo.status, algo.actual_order_id = "TRIGGERED", order.order_id
        events += [
            userdata.algo_update(algo, spec, now),
            userdata.order_update(order, spec, "NEW", now, algo.type),
        ]
        events += self._fill(
            order, self._taker_price(algo.symbol, algo.side), maker=False, now=now, orig_type=algo.type
        )
        algo.status, algo.actual_price, algo.actual_qty = "FINISHED", order.avg_price, order.executed
        events.append(userdata.algo_update(algo, spec, now))
        return events

    def _taker_price(self, symbol: str, side: str) -> Decimal:
        bid, ask = self.books[symbol]
        if self.market_slippage_bps is None:
            return ask if side == "BUY" else bid
        mid = (bid + ask) / 2
        slip = mid * self.market_slippage_bps / 10_000
        spec = self._spec(symbol)  # a price on the tick, rounded against the taker
        return spec.ceil_tick(mid + slip) if side == "BUY" else spec.floor_tick(mid - slip)

    def _fill(
        self,
        order: Order,
        price: Decimal,
        maker: bool,
        now: int,
        orig_type: str | None = None,
        qty: Decimal | None = None,
    ) -> list[Event]:
        spec = self._spec(order.symbol)
        qty = order.qty - order.executed if qty is None else qty
        fee = qty * price * (self.maker_fee if maker else self.taker_fee)
        pos = self.position(order.symbol)
        signed = qty if order.side == "BUY" else -qty
        realized = ZERO
        if pos.amt and (pos.amt > 0) != (signed > 0):
            closing = min(abs(pos.amt), qty)
            realized = closing * (price - pos.entry) * (1 if pos.amt > 0 else -1)
        new_amt = pos.amt + signed
        if new_amt == 0:
            pos.entry = ZERO
        elif pos.amt == 0 or (pos.amt > 0) != (new_amt > 0):
            pos.entry = price
        elif (pos.amt > 0) == (signed > 0):
            pos.entry = (pos.amt * pos.entry + signed * price) / new_amt
        pos.amt, pos.realized, pos.update_time = new_amt, pos.realized + realized, now
        self.balance += realized - fee
        order.executed += qty
        order.cum_quote += qty * price
        order.status = "FILLED" if order.executed >= order.qty else "PARTIALLY_FILLED"
        order.update_time = now
        self.next_trade_id += 1
        trade = userdata.Trade(self.next_trade_id, price, qty, fee, realized, maker)
        return [
            userdata.trade_lite(order, spec, trade, now),
            userdata.order_update(order, spec, "TRADE", now, orig_type, trade),
            userdata.account_update(
                order.symbol, pos, self.balance, realized - fee, self.mark(order.symbol), now
            ),
        ]

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.specs.get(symbol)
        if spec is None:
            raise BinanceError(-1121, "Invalid symbol.")
        return spec

    @staticmethod
    def _check_client_id(client_id: str, duplicate: bool) -> None:
        if len(client_id) > 36:
            raise BinanceError(-4015, "Client order id length should not be more than 36 chars")
        if not CLIENT_ID.match(client_id):
            raise BinanceError(
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
            )
        if duplicate:
            raise BinanceError(-4116, "ClientOrderId is duplicated.")

    @staticmethod
    def _check_qty(spec: SymbolSpec, qty: Decimal) -> None:
        if qty <= 0:
            raise BinanceError(-4003, "Quantity less than or equal to zero.")
        if (qty - spec.min_qty) % spec.step != 0:
            raise BinanceError(-4023, "Quantity not increased by step size.")
        if qty < spec.min_qty:
            raise BinanceError(-4004, "Quantity less than min qty.")
        if qty > spec.max_qty:
            raise BinanceError(-4005, "Quantity greater than max qty.")
