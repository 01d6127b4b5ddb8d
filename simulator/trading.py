"""Signed trading/account endpoints over the pure :class:`~simulator.matching.Account`, and the bridge
that publishes its user-data events to the private route."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from simulator import errors, userdata
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.config import SimConfig
from simulator.errors import BinanceError
from simulator.http import BODY_KEY, PARAMS_KEY, json_response
from simulator.hub import Hub
from simulator.listen_keys import ListenKeys
from simulator.market import MarketState
from simulator.matching import Account
from simulator.symbols import SYMBOLS

_counter = iter(range(1, 10**12))


def _dec(params: dict[str, str], name: str, required: bool = True) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise errors.mandatory(name)
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise errors.mandatory(name) from exc


def _int(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise errors.illegal_chars(name)
    return int(raw)


def _dec_or_none(raw: str) -> Decimal | None:
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _req(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise errors.mandatory(name)
    return value


class TradingEndpoints:
    def __init__(
        self,
        config: SimConfig,
        clock: VirtualClock,
        market: MarketState,
        auth: Authenticator,
        hub: Hub,
        keys: ListenKeys,
    ) -> None:
        self._clock = clock
        self._market = market
        self._auth = auth
        self._hub = hub
        self._keys = keys
        self.account = Account(
            dict(SYMBOLS), config.initial_balance, default_leverage=config.leverage_default
        )

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/fapi/v1/order", self.new_order)
        r.add_get("/fapi/v1/order", self.get_order)
        r.add_delete("/fapi/v1/order", self.cancel_order)
        r.add_get("/fapi/v1/openOrders", self.open_orders)
        r.add_delete("/fapi/v1/allOpenOrders", self.cancel_all)
        r.add_post("/fapi/v1/algoOrder", self.new_algo)
        r.add_get("/fapi/v1/algoOrder", self.get_algo)
        r.add_delete("/fapi/v1/algoOrder", self.cancel_algo)
        r.add_get("/fapi/v1/openAlgoOrders", self.open_algos)
        r.add_delete("/fapi/v1/algoOpenOrders", self.cancel_all_algos)
        r.add_post("/fapi/v1/leverage", self.leverage)
        r.add_post("/fapi/v1/marginType", self.margin_type)
        r.add_get("/fapi/v1/commissionRate", self.commission)
        r.add_get("/fapi/v1/symbolConfig", self.symbol_config)
        for v in ("v2", "v3"):
            r.add_get(f"/fapi/{v}/positionRisk", self.position_risk)
            r.add_get(f"/fapi/{v}/balance", self.balance)
            r.add_get(f"/fapi/{v}/account", self.account_info)

    # -- plumbing ---------------------------------------------------------------------------------
    def _signed(self, request: web.Request) -> dict[str, str]:
        params: dict[str, str] = request[PARAMS_KEY]
        self._auth.verify_signed(
            request.headers.get("X-MBX-APIKEY"), request.query_string, request[BODY_KEY], params
        )
        return params

    def _symbol(self, params: dict[str, str]) -> str:
        sym = _req(params, "symbol")
        if sym not in SYMBOLS:
            raise errors.invalid_symbol()
        return sym

    def _publish(self, events: list[dict[str, Any]]) -> None:
        keys = [lk["listenKey"] for lk in self._keys.snapshot(0) if not lk["expired"]]
        for event in events:
            for lk in keys:
                self._hub.publish_user(str(lk), event)

    def on_book(self, symbol: str, bid: Decimal, ask: Decimal, ts: int) -> None:
        book = self._market.sym(symbol).book
        bid_qty = _dec_or_none(book.bid_qty) if book is not None else None
        ask_qty = _dec_or_none(book.ask_qty) if book is not None else None
        self._publish(self.account.on_book(symbol, bid, ask, ts, bid_qty, ask_qty))

    # -- orders -----------------------------------------------------------------------------------
    async def new_order(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        type_ = _req(p, "type")
        side = _req(p, "side")
        if side not in ("BUY", "SELL"):
            raise BinanceError(-1117, "Invalid side.")
        if type_ == "LIMIT" and not p.get("timeInForce"):
            raise errors.mandatory("timeInForce")
        qty = _dec(p, "quantity", required=type_ in ("LIMIT", "MARKET"))
        client_id = p.get("newClientOrderId") or f"sim{next(_counter):020d}"
        now = self._clock.now_ms()
        accepted, final, events = self.account.new_order(
            sym,
            side,
            type_,
            qty or Decimal(0),
            _dec(p, "price", required=False),
            p.get("timeInForce", "GTC"),
            p.get("reduceOnly") == "true",
            client_id,
            now,
        )
        self._publish(events)
        shown = final if p.get("newOrderRespType") == "RESULT" else accepted
        return json_response(
            userdata.order_response(shown, SYMBOLS[sym]),
            headers={"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1M": "1"},
        )

    def _order_ref(self, p: dict[str, str]) -> tuple[int | None, str | None]:
        order_id, client_id = _int(p, "orderId"), p.get("origClientOrderId")
        if order_id is None and not client_id:
            raise BinanceError(
                -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
            )
        return order_id, client_id

    async def get_order(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        order = self.account.find_order(sym, *self._order_ref(p))
        if order is None:
            raise BinanceError(-2013, "Order does not exist.")
        return json_response(userdata.order_response(order, SYMBOLS[sym], with_time=True))

    async def cancel_order(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        order, events = self.account.cancel_order(sym, *self._order_ref(p), self._clock.now_ms())
        self._publish(events)
        return json_response(userdata.order_response(order, SYMBOLS[sym]))

    async def open_orders(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = p.get("symbol")
        return json_response(
            [
                userdata.order_response(o, SYMBOLS[o.symbol], with_time=True)
                for o in self.account.orders.values()
                if o.is_open and (not sym or o.symbol == sym)
            ]
        )

    async def cancel_all(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        self._publish(self.account.cancel_all(self._symbol(p), self._clock.now_ms()))
        return json_response({"code": 200, "msg": "The operation of cancel all open order is done."})

    # -- algo orders ------------------------------------------------------------------------------
    async def new_algo(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        if _req(p, "algoType") != "CONDITIONAL":
            raise BinanceError(-1116, "Invalid algoType.")
        side = _req(p, "side")
        trigger = _dec(p, "triggerPrice")
        assert trigger is not None
        client_id = p.get("clientAlgoId") or f"simalgo{next(_counter):020d}"
        algo, events = self.account.new_algo(
            sym,
            side,
            _req(p, "type"),
            _dec(p, "quantity", required=False),
            trigger,
            p.get("closePosition") == "true",
            p.get("reduceOnly") == "true",
            p.get("workingType", "CONTRACT_PRICE"),
            client_id,
            self._clock.now_ms(),
        )
        self._publish(events)
        return json_response(userdata.algo_response(algo, SYMBOLS[sym]))

    def _algo_ref(self, p: dict[str, str]) -> tuple[int | None, str | None]:
        algo_id, client_id = _int(p, "algoId"), p.get("clientAlgoId")
        if algo_id is None and not client_id:
            raise BinanceError(
                -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
            )
        return algo_id, client_id

    async def get_algo(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        algo = self.account.find_algo(*self._algo_ref(p))
        if algo is None:
            raise BinanceError(-2013, "Order does not exist.")
        body = userdata.algo_response(algo, SYMBOLS[algo.symbol])
        body.update(
            {"actualOrderId": str(algo.actual_order_id or ""), "actualPrice": f"{algo.actual_price:f}"}
        )
        return json_response(body)

    async def cancel_algo(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        algo, events = self.account.cancel_algo(*self._algo_ref(p), self._clock.now_ms())
        self._publish(events)
        return json_response(
            {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200", "msg": "success"}
        )

    async def open_algos(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = p.get("symbol")
        return json_response(
            [
                userdata.algo_response(a, SYMBOLS[a.symbol])
                for a in self.account.algos.values()
                if a.status == "NEW" and (not sym or a.symbol == sym)
            ]
        )

    async def cancel_all_algos(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        now = self._clock.now_ms()
        for a in list(self.account.algos.values()):
            if a.symbol == sym and a.status == "NEW":
                self._publish(self.account.cancel_algo(a.algo_id, None, now)[1])
        return json_response({"code": 200, "msg": "The operation of cancel all open order is done."})

    # -- account ----------------------------------------------------------------------------------
    async def leverage(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        lev = _int(p, "leverage")
        if lev is None or not 1 <= lev <= 125:
            raise BinanceError(-4028, f"Leverage {p.get('leverage')} is not valid")
        self.account.leverage[sym] = lev
        return json_response({"leverage": lev, "maxNotionalValue": "1000000", "symbol": sym})

    async def margin_type(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        self._symbol(p)
        if _req(p, "marginType") == "CROSSED":
            raise BinanceError(-4046, "No need to change margin type.")
        raise BinanceError(-4047, "Margin type cannot be changed if there exists open orders.")

    async def commission(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = self._symbol(p)
        return json_response(
            {
                "symbol": sym,
                "makerCommissionRate": f"{self.account.maker_fee:f}",
                "takerCommissionRate": f"{self.account.taker_fee:f}",
                "rpiCommissionRate": "0",
            }
        )

    async def symbol_config(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        syms = [p["symbol"]] if p.get("symbol") else list(SYMBOLS)
        return json_response(
            [
                {
                    "symbol": s,
                    "marginType": "CROSSED",
                    "isAutoAddMargin": False,
                    "leverage": self.account.leverage.get(s, self.account.default_leverage),
                    "maxNotionalValue": "1000000",
                }
                for s in syms
            ]
        )

    async def position_risk(self, request: web.Request) -> web.Response:
        p = self._signed(request)
        sym = p.get("symbol")
        acct = self.account
        rows = []
        for s, pos in acct.positions.items():
            has_orders = any(o.symbol == s and o.is_open for o in acct.orders.values())
            if (sym and s != sym) or (pos.amt == 0 and not has_orders):
                continue  # v3 lists only symbols with a position or open orders
            mark = acct.mark(s) or pos.entry
            lev = acct.leverage.get(s, acct.default_leverage)
            spec = SYMBOLS[s]
            margin = abs(pos.amt) * mark / lev
            rows.append(
                {
                    "symbol": s,
                    "positionSide": "BOTH",
                    "positionAmt": spec.fmt_qty(pos.amt),
                    "entryPrice": f"{pos.entry:f}",
                    "breakEvenPrice": f"{pos.entry:f}",
                    "markPrice": f"{mark:.8f}",
                    "unRealizedProfit": f"{pos.amt * (mark - pos.entry):.8f}",
                    "liquidationPrice": "0",
                    "isolatedMargin": "0",
                    "notional": f"{pos.amt * mark:.8f}",
                    "marginAsset": "USDT",
                    "isolatedWallet": "0",
                    "initialMargin": f"{margin:.8f}",
                    "maintMargin": f"{margin / 10:.8f}",
                    "positionInitialMargin": f"{margin:.8f}",
                    "openOrderInitialMargin": "0",
                    "adl": 0,
                    "bidNotional": "0",
                    "askNotional": "0",
                    "updateTime": pos.update_time,
                }
            )
        return json_response(rows)

    def _balance_row(self) -> dict[str, Any]:
        acct = self.account
        return {
            "accountAlias": "SgsR",
            "asset": "USDT",
            "balance": f"{acct.balance:.8f}",
            "crossWalletBalance": f"{acct.balance:.8f}",
            "crossUnPnl": f"{acct.unrealized():.8f}",
            "availableBalance": f"{acct.available():.8f}",
            "maxWithdrawAmount": f"{acct.available():.8f}",
            "marginAvailable": True,
            "updateTime": self._clock.now_ms(),
        }

    async def balance(self, request: web.Request) -> web.Response:
        self._signed(request)
        return json_response([self._balance_row()])

    async def account_info(self, request: web.Request) -> web.Response:
        self._signed(request)
        acct = self.account
        b = self._balance_row()
        return json_response(
            {
                "totalWalletBalance": b["balance"],
                "totalUnrealizedProfit": b["crossUnPnl"],
                "totalMarginBalance": f"{acct.balance + acct.unrealized():.8f}",
                "availableBalance": b["availableBalance"],
                "maxWithdrawAmount": b["maxWithdrawAmount"],
                "assets": [
                    {
                        "asset": "USDT",
                        "walletBalance": b["balance"],
                        "unrealizedProfit": b["crossUnPnl"],
                        "availableBalance": b["availableBalance"],
                        "updateTime": b["updateTime"],
                    }
                ],
                "positions": [
                    {
                        "symbol": s,
                        "positionSide": "BOTH",
                        "positionAmt": SYMBOLS[s].fmt_qty(pos.amt),
                        "unrealizedProfit": "0",
                        "updateTime": pos.update_time,
                    }
                    for s, pos in acct.positions.items()
                    if pos.amt
                ],
            }
        )
