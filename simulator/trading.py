"""Signed order and algo-order endpoints over the server's :class:`~simulator.exchange.Exchange`.

TRADE endpoints need a key with the trade permission (HTTP 401 -2015 for a read-only key); queries are
USER_DATA and work with any valid key. ``POST /fapi/v1/order/test`` runs every check of a new order and
places nothing ([doc] reference §5b).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from aiohttp import web

from exchange import user_data
from exchange.account import Account
from exchange.errors import BinanceError
from exchange.symbols import SYMBOLS
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.exchange import Exchange
from simulator.http import BODY_KEY, PARAMS_KEY, json_response
from simulator.params import Params, algo_ref, decimal_param, order_ref, required, symbol_param

_counter = iter(range(1, 10**12))
ORDER_COUNT_HEADERS = {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1M": "1"}
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}


def signed_by(auth: Authenticator, request: web.Request, trade: bool = False) -> tuple[Params, str]:
    """(parameters, API key) once the signature (and, for TRADE, the key's permission) checked out."""
    params: Params = request[PARAMS_KEY]
    verify = auth.verify_trade if trade else auth.verify_signed
    key = verify(request.headers.get("X-MBX-APIKEY"), request.query_string, request[BODY_KEY], params)
    return params, key


def signed(auth: Authenticator, request: web.Request, trade: bool = False) -> Params:
    return signed_by(auth, request, trade)[0]


class OrderArgs(NamedTuple):
    symbol: str
    side: str
    type_: str
    qty: Decimal
    price: Decimal | None
    tif: str
    reduce_only: bool
    client_id: str


def _order_args(p: Params) -> OrderArgs:
    sym = symbol_param(p)
    type_ = required(p, "type")
    side = required(p, "side")
    if side not in ("BUY", "SELL"):
        raise BinanceError(-1117, "Invalid side.")
    if type_ == "LIMIT" and not p.get("timeInForce"):
        raise BinanceError(-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.")
    qty = decimal_param(p, "quantity", required=type_ in ("LIMIT", "MARKET"))
    return OrderArgs(
        sym,
        side,
        type_,
        qty or Decimal(0),
        decimal_param(p, "price", required=False),
        p.get("timeInForce", "GTC"),
        p.get("reduceOnly") == "true",
        p.get("newClientOrderId") or f"sim{next(_counter):020d}",
    )


class TradingEndpoints:
    def __init__(self, clock: VirtualClock, exchange: Exchange, auth: Authenticator) -> None:
        self._clock = clock
        self._exchange = exchange
        self._auth = auth

    @property
    def account(self) -> Account:
        return self._exchange.account

    def on_book(self, symbol: str, bid: Decimal, ask: Decimal, ts: int) -> None:
        self._exchange.on_book(symbol, bid, ask, ts)

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/fapi/v1/order", self.new_order)
        r.add_post("/fapi/v1/order/test", self.test_order)
        r.add_get("/fapi/v1/order", self.get_order)
        r.add_delete("/fapi/v1/order", self.cancel_order)
        r.add_get("/fapi/v1/openOrders", self.open_orders)
        r.add_delete("/fapi/v1/allOpenOrders", self.cancel_all)
        r.add_post("/fapi/v1/algoOrder", self.new_algo)
        r.add_get("/fapi/v1/algoOrder", self.get_algo)
        r.add_delete("/fapi/v1/algoOrder", self.cancel_algo)
        r.add_get("/fapi/v1/openAlgoOrders", self.open_algos)
        r.add_delete("/fapi/v1/algoOpenOrders", self.cancel_all_algos)

    def _publish(self, events: list[dict[str, Any]]) -> None:
        self._exchange.publish(events)

    # -- orders -----------------------------------------------------------------------------------
    async def new_order(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        o = _order_args(p)
        accepted, final, events = self.account.new_order(
            *o, self._clock.now_ms(), position_side=p.get("positionSide"), reduce_only_sent="reduceOnly" in p
        )
        self._publish(events)
        shown = final if p.get("newOrderRespType") == "RESULT" else accepted
        return json_response(user_data.order_response(shown, SYMBOLS[o.symbol]), headers=ORDER_COUNT_HEADERS)

    async def test_order(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        o = _order_args(p)
        self.account.test_order(*o, position_side=p.get("positionSide"), reduce_only_sent="reduceOnly" in p)
        return json_response({})

    async def get_order(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        sym = symbol_param(p)
        order = self.account.find_order(sym, *order_ref(p))
        if order is None:
            raise BinanceError(-2013, "Order does not exist.")
        return json_response(user_data.order_response(order, SYMBOLS[sym], with_time=True))

    async def cancel_order(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        sym = symbol_param(p)
        order, events = self.account.cancel_order(sym, *order_ref(p), self._clock.now_ms())
        self._publish(events)
        return json_response(user_data.order_response(order, SYMBOLS[sym]))

    async def open_orders(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        sym = p.get("symbol")
        return json_response(
            [
                user_data.order_response(o, SYMBOLS[o.symbol], with_time=True)
                for o in self.account.orders.values()
                if o.is_open and (not sym or o.symbol == sym)
            ]
        )

    async def cancel_all(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        self._publish(self.account.cancel_all(symbol_param(p), self._clock.now_ms()))
        return json_response(CANCEL_ALL_DONE)

    # -- algo orders ------------------------------------------------------------------------------
    async def new_algo(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        sym = symbol_param(p)
        if required(p, "algoType") != "CONDITIONAL":
            raise BinanceError(-1116, "Invalid algoType.")
        side = required(p, "side")
        trigger = decimal_param(p, "triggerPrice")
        assert trigger is not None
        client_id = p.get("clientAlgoId") or f"simalgo{next(_counter):020d}"
        algo, events = self.account.new_algo(
            sym,
            side,
            required(p, "type"),
            decimal_param(p, "quantity", required=False),
            trigger,
            p.get("closePosition") == "true",
            p.get("reduceOnly") == "true",
            p.get("workingType", "CONTRACT_PRICE"),
            client_id,
            self._clock.now_ms(),
            price_protect=p.get("priceProtect", "false").lower() == "true",
            position_side=p.get("positionSide"),
            reduce_only_sent="reduceOnly" in p,
        )
        self._publish(events)
        return json_response(user_data.algo_response(algo, SYMBOLS[sym]))

    def _deny_if_faulted(self, code: int, msg: str) -> None:
        # [obs] freqtrade #12681, ccxt #27486: conditional orders answered -2013 (query) / -2011 (cancel)
        # while they existed (reference §3.5); played by the deny_algo_queries fault.
        if self._exchange.take_algo_query_denial():
            raise BinanceError(code, msg)

    async def get_algo(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        ref = algo_ref(p)
        self._deny_if_faulted(-2013, "Order does not exist.")
        algo = self.account.find_algo(*ref)
        if algo is None:
            raise BinanceError(-2013, "Order does not exist.")
        body = user_data.algo_response(algo, SYMBOLS[algo.symbol])
        spec = SYMBOLS[algo.symbol]
        body.update(
            {
                "actualOrderId": str(algo.actual_order_id or ""),
                "actualPrice": f"{algo.actual_price:f}",
                "actualQty": spec.fmt_qty(algo.actual_qty) if algo.actual_qty else "0",
                "actualType": "MARKET" if algo.actual_order_id else "",
            }
        )
        return json_response(body)

    async def cancel_algo(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        ref = algo_ref(p)
        self._deny_if_faulted(-2011, "Unknown order sent.")
        algo, events = self.account.cancel_algo(*ref, self._clock.now_ms())
        self._publish(events)
        return json_response(
            {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200", "msg": "success"}
        )

    async def open_algos(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        sym = p.get("symbol")
        return json_response(
            [
                user_data.algo_response(a, SYMBOLS[a.symbol])
                for a in self.account.algos.values()
                if a.status == "NEW" and (not sym or a.symbol == sym)
            ]
        )

    async def cancel_all_algos(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        sym = symbol_param(p)
        now = self._clock.now_ms()
        for a in list(self.account.algos.values()):
            if a.symbol == sym and a.status == "NEW":
                self._publish(self.account.cancel_algo(a.algo_id, None, now)[1])
        return json_response(CANCEL_ALL_DONE)
