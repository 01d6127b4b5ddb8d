"""The account's entry points: orders and their matching, and the algo orders and settlement it hands on.

Pure (no I/O, no clock, no aiohttp): one-way mode, USDT-margined. Orders fill against the top of book the
caller feeds in: MARKET and crossing LIMIT orders take the opposite best price (taker), resting LIMIT
orders fill at their price once the opposite side reaches it (maker). Every call returns the user-data
events (Binance payload dicts) it caused, in order; ``now`` is always passed in. The simulator serves this
account over REST and WebSocket; the executor's paper venue drives it with its own book.

Split by concern: the state and what is read from it in :mod:`exchange.account_state`, conditional (algo)
orders and how their trigger plays out in :mod:`exchange.algos`, a fill's position and wallet bookkeeping
in :mod:`exchange.fills`, funding and the positions the exchange closes itself in
:mod:`exchange.settlement`, the settings in :mod:`exchange.settings` (changing them:
:mod:`exchange.settings_changes`), the user-data reports in :mod:`exchange.user_data`. A fresh
``Account(specs, balance)`` behaves as it always did: every later behaviour is switched on by a field whose
default keeps the old one. Limits: hedge mode is a setting only (no LONG/SHORT legs, see
:mod:`exchange.settings`); an ISOLATED symbol keeps an isolated wallet of |amount| x entry / leverage and
takes its funding, but margin checks stay cross-style.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange import algos, fills, settlement, user_data
from exchange.account_state import AccountState
from exchange.errors import BinanceError
from exchange.records import (
    CONDITIONAL,
    ZERO,
    AlgoOrder,
    Event,
    Order,
    Position,
    check_client_id,
    check_qty,
    check_tick,
)
from exchange.settings import check_position_side

__all__ = ["Account", "AlgoOrder", "Event", "Order", "Position"]


@dataclass
class Account(AccountState):
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
        events = [user_data.order_update(order, spec, "NEW", now)]
        if crosses and book is not None and type_ == "MARKET":
            events += fills.execute(self, order, self.taker_price(symbol, side), maker=False, now=now)
        elif crosses and book is not None:
            touch = self.book_qty.get(symbol, (None, None))[1 if side == "BUY" else 0]
            part = min(qty, touch) if touch is not None and touch > 0 else None
            events += fills.execute(self, order, book[1] if side == "BUY" else book[0], maker=False, now=now, qty=part)
        elif tif in ("IOC", "FOK"):
            order.status, order.update_time = "EXPIRED", now
            events.append(user_data.order_update(order, spec, "EXPIRED", now))
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
        return order, [user_data.order_update(order, self.spec(symbol), "CANCELED", now)]

    def cancel_all(self, symbol: str, now: int) -> list[Event]:
        events: list[Event] = []
        for o in list(self.orders.values()):
            if o.symbol == symbol and o.is_open:
                events += self.cancel_order(symbol, o.order_id, None, now)[1]
        return events

    # -- algo orders (exchange.algos) ------------------------------------------------------------
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

    # -- exchange-side settlement (exchange.settlement) ------------------------------------------
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
