"""The paper account's orders: the exchange model (`exchange.account.Account`) made from the config and the
filters, and the requests and book updates it answers, translated into reports exactly like the live stream.

Pure — no I/O, no clock. LIMIT orders rest and fill when the book reaches them (at most the touch quantity
per update), MARKET and triggered stop/take-profit orders fill at mid ± `paper.slippage_bps`, fees are
`paper.maker_fee_rate` / `paper.taker_fee_rate`.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from exchange.account import Account
from exchange.errors import BinanceError
from exchange.symbols import SYMBOLS, SymbolSpec
from executor.ids import is_algo, purpose_of
from executor.state import ExecState, Request
from executor.translate import Translator
from schemas.config import BotConfig
from schemas.envelope import Payload
from schemas.orders import (
    ExternalFill,
    FlattenCompleted,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderPurpose,
    OrderRejected,
    PositionReported,
    SymbolFilters,
    VenueError,
)
from schemas.types import Symbol

ORDER_REPORTS = (OrderFilled, OrderCanceled, OrderRejected, ExternalFill)


def new_account(config: BotConfig, filters: tuple[SymbolFilters, ...]) -> Account:
    specs: dict[str, SymbolSpec] = {}
    for f in filters:
        base = SYMBOLS[f.symbol]
        specs[f.symbol] = dataclasses.replace(base, tick=f.tick_size, step=f.step_size, min_qty=f.min_qty,
                                              min_notional=f.min_notional, min_price=f.tick_size)
    account = Account(specs, config.paper.starting_equity_usdt, default_leverage=config.leverage)
    configure(account, config)
    return account


def configure(account: Account, config: BotConfig) -> None:
    account.maker_fee = config.paper.maker_fee_rate
    account.taker_fee = config.paper.taker_fee_rate
    account.market_slippage_bps = config.paper.slippage_bps
    account.default_leverage = config.leverage


class PaperOrders:
    """The paper account's answers to one book update or one request (a fresh translator for each)."""

    def __init__(self, state: ExecState) -> None:
        assert state.paper is not None
        self.state = state
        self.account: Account = state.paper
        self.translator = Translator(self._meta)

    def _meta(self, cid: str) -> tuple[str | None, OrderPurpose] | None:
        order = self.state.orders.get(cid)
        if order is None:
            return None
        purpose = purpose_of(cid)
        return (order.setup_id, purpose) if purpose is not None else None

    def _reports(self, events: list[dict[str, object]]) -> list[Payload]:
        """The order reports of the account's events. Its balance and funding reports are left out: the
        paper account itself is the paper equity (`exits.account_payload`)."""
        out: list[Payload] = []
        for event in events:
            out += [r for r in self.translator.reports(event) if isinstance(r, ORDER_REPORTS)]
        return out

    def on_book(self, symbol: str, bid: Decimal, ask: Decimal, bid_qty: Decimal, ask_qty: Decimal,
                now: int) -> list[Payload]:
        return self._reports(self.account.on_book(symbol, bid, ask, now, bid_qty, ask_qty))

    def perform(self, req: Request, now: int) -> list[Payload]:
        if req.action == "place":
            return self._place(req, now)
        if req.action == "cancel":
            return self._cancel(req, now)
        if req.action == "sweep":
            return self._sweep(req, now)
        if req.action == "settle":
            pos = self.account.position(req.symbol)
            return [PositionReported(symbol=self._sym(req.symbol), amount=pos.amt, entry_price=pos.entry,
                                     reason=req.purpose, request=req.cid)]
        return []  # account: the paper account takes its leverage from the config (configure)

    def _place(self, req: Request, now: int) -> list[Payload]:
        sym = req.symbol
        try:
            if req.type in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
                assert req.price is not None
                algo, events = self.account.new_algo(sym, req.side, req.type, None, req.price, True, False,
                                                     req.working_type, req.cid, now)
                return [self._accepted(req, str(algo.algo_id)), *self._reports(events)]
            accepted, _, events = self.account.new_order(sym, req.side, req.type, req.qty or Decimal(0),
                                                         req.price, "GTC", req.reduce_only, req.cid, now)
            return [self._accepted(req, str(accepted.order_id)), *self._reports(events)]
        except BinanceError as exc:
            return [OrderRejected(client_order_id=req.cid, setup_id=req.setup_id, symbol=self._sym(sym),
                                  code=exc.code, msg=exc.msg)]

    def _accepted(self, req: Request, exchange_id: str) -> OrderAccepted:
        return OrderAccepted(client_order_id=req.cid, setup_id=req.setup_id, symbol=self._sym(req.symbol),
                             exchange_order_id=exchange_id)

    @staticmethod
    def _sym(symbol: str) -> Symbol:
        return symbol  # type: ignore[return-value]

    def _cancel(self, req: Request, now: int) -> list[Payload]:
        try:
            if is_algo(req.cid):
                _, events = self.account.cancel_algo(None, req.cid, now)
            else:
                _, events = self.account.cancel_order(req.symbol, None, req.cid, now)
            return self._reports(events)
        except BinanceError as exc:
            return [VenueError(operation="cancel", code=exc.code, msg=exc.msg, retriable=False,
                               symbol=req.symbol, client_order_id=req.cid)]

    def _sweep(self, req: Request, now: int) -> list[Payload]:
        """Flatten's last step: cancel every open and algo order, close every position at market."""
        canceled: list[str] = []
        closed: list[str] = []
        events: list[dict[str, object]] = []
        for o in list(self.account.orders.values()):
            if o.is_open:
                events += self.account.cancel_order(o.symbol, o.order_id, None, now)[1]
                canceled.append(o.client_id)
        for a in list(self.account.algos.values()):
            if a.status == "NEW":
                events += self.account.cancel_algo(a.algo_id, None, now)[1]
                canceled.append(a.client_algo_id)
        for sym, pos in sorted(self.account.positions.items()):
            if pos.amt != 0:
                side = "SELL" if pos.amt > 0 else "BUY"
                events += self.account.new_order(sym, side, "MARKET", abs(pos.amt), None, "GTC", True,
                                                  f"{req.cid}-{sym}", now)[2]
                closed.append(f"{sym}:{pos.amt}")
        return [*self._reports(events),
                FlattenCompleted(reason=req.purpose, canceled=tuple(canceled), closed=tuple(closed))]
