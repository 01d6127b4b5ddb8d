"""Signed account endpoints: settings (leverage, margin type, position mode, asset mode) and the reads a
bot checks its books against (balances, account, positions, trades, income, force orders).

Changing a setting is TRADE (a read-only key gets HTTP 401 -2015); reads are USER_DATA. The rules and
codes of each change live in :mod:`exchange.settings`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from exchange import settings_changes
from exchange.account import Account
from exchange.errors import BinanceError
from simulator import views
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.exchange import Exchange
from simulator.http import json_response
from simulator.params import bool_param, int_param, limit_param, required, symbol_param
from simulator.trading import signed, signed_by

VersionedHandler = Callable[[int, web.Request], Awaitable[web.Response]]

SUCCESS = {"code": 200, "msg": "success"}


class AccountEndpoints:
    def __init__(self, clock: VirtualClock, exchange: Exchange, auth: Authenticator) -> None:
        self._clock = clock
        self._exchange = exchange
        self._auth = auth

    @property
    def _account(self) -> Account:
        return self._exchange.account

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/fapi/v1/leverage", self.leverage)
        r.add_post("/fapi/v1/marginType", self.margin_type)
        r.add_get("/fapi/v1/positionSide/dual", self.position_mode)
        r.add_post("/fapi/v1/positionSide/dual", self.change_position_mode)
        r.add_get("/fapi/v1/multiAssetsMargin", self.multi_assets)
        r.add_post("/fapi/v1/multiAssetsMargin", self.change_multi_assets)
        r.add_get("/fapi/v1/accountConfig", self.account_config)
        r.add_get("/fapi/v1/symbolConfig", self.symbol_config)
        r.add_get("/fapi/v1/commissionRate", self.commission)
        r.add_get("/fapi/v1/userTrades", self.user_trades)
        r.add_get("/fapi/v1/income", self.income)
        r.add_get("/fapi/v1/forceOrders", self.force_orders)
        handlers: tuple[tuple[str, VersionedHandler], ...] = (
            ("positionRisk", self.position_risk),
            ("balance", self.balance),
            ("account", self.account_info),
        )
        for v in (2, 3):
            for path, handler in handlers:
                r.add_get(f"/fapi/v{v}/{path}", partial(handler, v))

    # -- settings ---------------------------------------------------------------------------------
    async def leverage(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        sym = symbol_param(p)
        lev = int_param(p, "leverage")
        if lev is None or not 1 <= lev <= 125:
            raise BinanceError(-4028, f"Leverage {p.get('leverage')} is not valid")
        self._account.leverage[sym] = lev
        return json_response({"leverage": lev, "maxNotionalValue": views.MAX_NOTIONAL, "symbol": sym})

    async def margin_type(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        settings_changes.change_margin_type(self._account, symbol_param(p), required(p, "marginType").upper())
        return json_response(SUCCESS)

    async def position_mode(self, request: web.Request) -> web.Response:
        signed(self._auth, request)
        return json_response({"dualSidePosition": self._account.settings.dual_side})

    async def change_position_mode(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        settings_changes.change_position_mode(self._account, bool_param(p, "dualSidePosition"))
        return json_response(SUCCESS)

    async def multi_assets(self, request: web.Request) -> web.Response:
        signed(self._auth, request)
        return json_response({"multiAssetsMargin": self._account.settings.multi_assets})

    async def change_multi_assets(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request, trade=True)
        settings_changes.change_multi_assets(self._account, bool_param(p, "multiAssetsMargin"))
        return json_response(SUCCESS)

    async def account_config(self, request: web.Request) -> web.Response:
        _, key = signed_by(self._auth, request)
        return json_response(views.account_config(self._account, self._auth.can_trade(key)))

    async def symbol_config(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        return json_response(views.symbol_config(self._account, symbol_param(p) if p.get("symbol") else None))

    async def commission(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        return json_response(
            {
                "symbol": symbol_param(p),
                "makerCommissionRate": f"{self._account.maker_fee:f}",
                "takerCommissionRate": f"{self._account.taker_fee:f}",
                "rpiCommissionRate": "0",
            }
        )

    # -- reads ------------------------------------------------------------------------------------
    async def position_risk(self, version: int, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        sym = symbol_param(p) if p.get("symbol") else None
        return json_response(views.position_risk(self._account, sym, version))

    async def balance(self, version: int, request: web.Request) -> web.Response:
        signed(self._auth, request)
        return json_response(views.balances(self._account, self._clock.now_ms()))

    async def account_info(self, version: int, request: web.Request) -> web.Response:
        _, key = signed_by(self._auth, request)
        can_trade = self._auth.can_trade(key)
        return json_response(views.account_info(self._account, self._clock.now_ms(), version, can_trade))

    async def user_trades(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        sym = symbol_param(p)
        start, end, from_id = int_param(p, "startTime"), int_param(p, "endTime"), int_param(p, "fromId")
        if from_id is not None and (start is not None or end is not None):
            raise BinanceError(-1128, "Combination of optional parameters invalid.")  # [doc] "cannot be sent with"
        rows = self._exchange.ledger.user_trades(
            sym, self._clock.now_ms(), int_param(p, "orderId"), start, end, from_id, limit_param(p, 500, 1000)
        )
        return json_response(rows)

    async def income(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        rows = self._exchange.ledger.income_rows(
            self._clock.now_ms(),
            symbol_param(p) if p.get("symbol") else None,
            p.get("incomeType") or None,
            int_param(p, "startTime"),
            int_param(p, "endTime"),
            limit_param(p, 100, 1000),
        )
        return json_response(rows)

    async def force_orders(self, request: web.Request) -> web.Response:
        p = signed(self._auth, request)
        kind = p.get("autoCloseType") or None
        if kind not in (None, "LIQUIDATION", "ADL"):
            raise BinanceError(-1102, "Mandatory parameter 'autoCloseType' was not sent, was empty/null, or malformed.")
        rows = views.force_orders(
            self._account,
            symbol_param(p) if p.get("symbol") else None,
            kind,
            int_param(p, "startTime"),
            int_param(p, "endTime"),
            limit_param(p, 50, 100),
        )
        return json_response(rows)

