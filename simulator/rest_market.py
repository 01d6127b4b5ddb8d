"""Market-data REST endpoints and the user-stream listen key (USER_STREAM: API key only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from aiohttp import web

from exchange.errors import BinanceError
from exchange.symbols import SYMBOLS, exchange_info, spec
from simulator import errors
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.http import PARAMS_KEY, json_response
from simulator.listen_keys import ListenKeys
from simulator.market import MarketState
from simulator.params import int_param


def _symbol(params: dict[str, str], required: bool = True) -> str | None:
    sym = params.get("symbol")
    if not sym:
        if required:
            raise errors.mandatory("symbol")
        return None
    if sym not in SYMBOLS:
        raise errors.invalid_symbol()
    return sym


class PriceBoard(Protocol):
    """Prices only the exchange knows: its mark, funding and the BNB price (simulator.exchange)."""

    def premium_index(self, symbol: str, now: int) -> dict[str, Any] | None: ...

    def price_ticker(self, symbol: str, now: int) -> dict[str, Any] | None: ...


BNB_SYMBOL = "BNBUSDT"  # not tradable here; /ticker/price answers it for BNB commissions


class MarketEndpoints:
    def __init__(
        self, clock: VirtualClock, market: MarketState, auth: Authenticator, keys: ListenKeys, prices: PriceBoard
    ) -> None:
        self._clock = clock
        self._market = market
        self._auth = auth
        self._keys = keys
        self._prices = prices

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/fapi/v1/ping", self.ping)
        r.add_get("/fapi/v1/time", self.time)
        r.add_get("/fapi/v1/exchangeInfo", self.exchange_info)
        r.add_get("/fapi/v1/klines", self.klines)
        r.add_get("/fapi/v1/ticker/bookTicker", self.book_ticker)
        r.add_get("/fapi/v1/depth", self.depth)
        r.add_get("/fapi/v1/ticker/price", self.price_ticker)
        r.add_get("/fapi/v2/ticker/price", self.price_ticker)  # python-binance's futures_symbol_ticker
        r.add_get("/fapi/v1/premiumIndex", self.premium_index)
        r.add_post("/fapi/v1/listenKey", self.listen_key_create)
        r.add_put("/fapi/v1/listenKey", self.listen_key_keepalive)
        r.add_delete("/fapi/v1/listenKey", self.listen_key_close)

    async def ping(self, request: web.Request) -> web.Response:
        return json_response({})

    async def time(self, request: web.Request) -> web.Response:
        return json_response({"serverTime": self._clock.now_ms()})

    async def exchange_info(self, request: web.Request) -> web.Response:
        return json_response(exchange_info(self._clock.now_ms()))

    async def klines(self, request: web.Request) -> web.Response:
        params = request[PARAMS_KEY]
        sym = _symbol(params)
        interval = params.get("interval")
        if not interval:
            raise errors.mandatory("interval")
        if interval != "1m":
            raise BinanceError(-1120, "Invalid interval.")
        limit = int_param(params, "limit", 500) or 500
        start = int_param(params, "startTime", None)
        end = int_param(params, "endTime", None)
        assert sym is not None
        return json_response(self._market.klines(sym, start, end, min(limit, 1500)))

    async def book_ticker(self, request: web.Request) -> web.Response:
        sym = _symbol(request[PARAMS_KEY], required=False)
        if sym is not None:
            row = self._market.rest_book_ticker(sym)
            if row is None:
                raise BinanceError(-1121, "Invalid symbol.")
            return json_response(row)
        rows = [self._market.rest_book_ticker(s) for s in SYMBOLS]
        return json_response([r for r in rows if r is not None])

    async def price_ticker(self, request: web.Request) -> web.Response:
        now = self._clock.now_ms()
        raw = request[PARAMS_KEY].get("symbol")
        if raw:
            row = self._prices.price_ticker(raw, now) if raw in SYMBOLS or raw == BNB_SYMBOL else None
            if row is None:
                raise errors.invalid_symbol()
            return json_response(row)
        rows = [self._prices.price_ticker(s, now) for s in [*SYMBOLS, BNB_SYMBOL]]
        return json_response([r for r in rows if r is not None])

    async def premium_index(self, request: web.Request) -> web.Response:
        now = self._clock.now_ms()
        sym = _symbol(request[PARAMS_KEY], required=False)
        if sym is not None:
            row = self._prices.premium_index(sym, now)
            if row is None:
                raise errors.invalid_symbol()
            return json_response(row)
        rows = [self._prices.premium_index(s, now) for s in SYMBOLS]
        return json_response([r for r in rows if r is not None])

    async def depth(self, request: web.Request) -> web.Response:
        params = request[PARAMS_KEY]
        sym = _symbol(params)
        assert sym is not None
        limit = int_param(params, "limit", 500) or 500
        if limit not in (5, 10, 20, 50, 100, 500, 1000):
            raise BinanceError(
                -1100,
                "Illegal characters found in parameter 'limit'; legal range is "
                "'5, 10, 20, 50, 100, 500, 1000'.",
            )
        m = self._market.symbols.get(sym)
        s = spec(sym)
        if m is None or m.book is None or s is None:
            raise BinanceError(-1121, "Invalid symbol.")
        book = m.book
        # Synthetic ladder: the book ticker at the top, one tick apart below/above it.
        levels = min(limit, 50)
        bids = [
            [s.fmt_price(book.bid - s.tick * i), s.fmt_qty(Decimal(book.bid_qty) + i)] for i in range(levels)
        ]
        asks = [
            [s.fmt_price(book.ask + s.tick * i), s.fmt_qty(Decimal(book.ask_qty) + i)] for i in range(levels)
        ]
        now = self._clock.now_ms()
        body: dict[str, Any] = {
            "lastUpdateId": book.update_id,
            "E": now,
            "T": book.time,
            "bids": bids,
            "asks": asks,
        }
        return json_response(body)

    async def listen_key_create(self, request: web.Request) -> web.Response:
        api_key = self._auth.api_key(request.headers.get("X-MBX-APIKEY"))
        return json_response({"listenKey": self._keys.create(api_key, self._clock.now_ms())})

    async def listen_key_keepalive(self, request: web.Request) -> web.Response:
        api_key = self._auth.api_key(request.headers.get("X-MBX-APIKEY"))
        return json_response({"listenKey": self._keys.keepalive(api_key, self._clock.now_ms())})

    async def listen_key_close(self, request: web.Request) -> web.Response:
        api_key = self._auth.api_key(request.headers.get("X-MBX-APIKEY"))
        self._keys.close(api_key)
        return json_response({})
