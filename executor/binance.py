"""BinanceVenue: the core's Requests carried out with python-binance against USDⓈ-M (or the simulator).

`AsyncClient(key, secret)` is built directly (`create()` would ping spot) with `FUTURES_URL` pointed at
`BINANCE_FUTURES_BASE_URL + /fapi`; time is synced from `/fapi/v1/time`. Stops and take profits go to
`POST /fapi/v1/algoOrder` (python-binance's `futures_create_algo_order`). Order answers are ACKs: fills
come from the user-data stream (executor.userstream) or, after a gap, from the exchange's own record of
trades (`/fapi/v1/userTrades`, executor.fills), with their real commissions.

Idempotency (DESIGN §3): an unknown outcome (timeout, HTTP 503 "Unknown error…", -1007, -1006, a 5xx
with no JSON body) is queried by client id before anything is resent; at most 2 retries; -1008/429/
"Service Unavailable" back off and retry; 418 stops all trading until the ban ends (VenueError code 418 →
governor ERROR). Errors are described from their HTTP status, code and message only (`describe`): a
library's exception text may carry the signed request URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
from binance import AsyncClient
from binance.exceptions import BinanceAPIException
from loguru import logger

from executor.errors import Banned, Unknown, ban_until, classify, describe
from executor.fills import Prices, engine_reports, order_reports
from executor.ids import is_algo
from executor.state import Request
from runtime.clock import ScaledClock, WallClock, system_clock
from schemas.envelope import Payload
from schemas.orders import (
    FlattenCompleted,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderPurpose,
    OrderRejected,
    VenueError,
)
from schemas.types import Symbol

MAX_RETRIES = 2
CALL_TIMEOUT_S = 10.0
NOT_FOUND = (-2013, -2011)  # "Order does not exist." / "Unknown order sent."
# Conditional orders have answered -2013/-2011 while they existed (freqtrade #12681, ccxt #27486): an algo
# order is declared unknown only after it stayed unfound this long, and never while the open list shows it.
ALGO_UNKNOWN_AFTER_S = 3.0
MetaFn = Callable[[str], "tuple[str | None, OrderPurpose] | None"]


class ClockedClient(AsyncClient):  # type: ignore[misc]
    """python-binance signs with `time.time() * 1000 + timestamp_offset`; under a scaled clock that
    offset is made to follow the bot's clock, so the signed timestamp is clock time + the venue offset
    learnt by `sync_time` (kept in `venue_offset`)."""

    def __init__(self, key: str, secret: str, clock: ScaledClock) -> None:
        self.clock = clock
        self.venue_offset = 0
        super().__init__(key, secret)

    @property
    def timestamp_offset(self) -> float:
        return self.clock.now_ms() - time.time() * 1000 + self.venue_offset

    @timestamp_offset.setter
    def timestamp_offset(self, value: float) -> None:
        self.venue_offset = int(value)


def make_client(key: str, secret: str, clock: WallClock | ScaledClock) -> AsyncClient:
    return ClockedClient(key, secret, clock) if isinstance(clock, ScaledClock) else AsyncClient(key, secret)


class BinanceVenue:
    kind = "live"

    def __init__(self, key: str, secret: str, base_url: str, meta: MetaFn,
                 fees: dict[str, tuple[Decimal, Decimal]] | None = None,
                 clock: WallClock | ScaledClock | None = None) -> None:
        self.clock = clock or system_clock()
        self.client = make_client(key, secret, self.clock)
        self.client.FUTURES_URL = base_url.rstrip("/") + "/fapi"
        self.meta = meta
        self.fees = fees or {}  # symbol → (maker, taker): a fallback when a commission cannot be valued
        self.reported: dict[str, tuple[Decimal, Decimal]] = {}  # cid → (qty, cost) reported as filled
        self.terminal: set[str] = set()  # cids whose end was reported
        self.accepted: set[str] = set()
        self.banned_until = 0
        self.offset = 0  # venue clock − our clock (ms) at the last sync_time
        self.backoff_s = 0.2
        self.algo_unknown_after_s = ALGO_UNKNOWN_AFTER_S
        self.prices = Prices(self)

    async def close(self) -> None:
        await self.client.close_connection()

    async def sync_time(self) -> int:
        """Align signed timestamps with /fapi/v1/time; returns the skew in ms."""
        before = self.clock.now_ms()
        server = int((await self.client.futures_time())["serverTime"])
        after = self.clock.now_ms()
        self.offset = server - (before + after) // 2
        self.client.timestamp_offset = self.offset
        return self.offset

    def used_weight(self) -> int:
        response = getattr(self.client, "response", None)
        headers = getattr(response, "headers", None) or {}
        return int(headers.get("X-MBX-USED-WEIGHT-1M", 0))

    # --- calls with retry -------------------------------------------------------------------------
    async def call(self, fn: Callable[..., Awaitable[Any]], timeout_s: float = CALL_TIMEOUT_S, **params: Any) -> Any:
        """One REST call, retried (≤ 2) on guaranteed failures; an unknown outcome raises Unknown."""
        if self.banned_until > self.clock.now_ms():
            raise Banned(self.banned_until, "IP banned (418); not sending")
        for attempt in range(MAX_RETRIES + 1):
            try:
                async with asyncio.timeout(timeout_s):  # unlike wait_for, no extra task (one loop turn) per call
                    return await fn(**params)
            except (TimeoutError, BinanceAPIException, aiohttp.ClientError) as exc:
                kind = classify(exc)
                if kind == "ban":
                    assert isinstance(exc, BinanceAPIException)
                    self.banned_until = ban_until(exc, self.clock.now_ms())
                    raise Banned(self.banned_until, describe(exc)) from None
                if kind == "unknown":
                    raise Unknown(describe(exc)) from None
                if isinstance(exc, BinanceAPIException) and exc.code == -1021 and attempt < MAX_RETRIES:
                    await self.sync_time()  # our clock drifted from the venue's: resync, then retry
                    continue
                if kind == "final" or attempt == MAX_RETRIES:
                    raise
                logger.warning("{} failed ({}); retry {} after {:.1f}s", fn.__name__, describe(exc), attempt + 1,
                               self.backoff_s * 2**attempt)
                await asyncio.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")

    # --- requests ---------------------------------------------------------------------------------
    async def perform(self, req: Request, recover: bool = False) -> list[Payload]:
        try:
            if req.action == "place":
                return await self._place(req, recover)
            if req.action == "cancel":
                return await self._cancel(req)
        except Banned as exc:
            err = VenueError(operation=req.action, code=418, msg=str(exc), retriable=False, symbol=req.symbol or None,
                             client_order_id=req.cid, until_ts=exc.until_ms)
            if req.action == "place":
                return [err, self._rejected(req, 418, str(exc))]
            return [err]
        return []

    async def _place(self, req: Request, recover: bool) -> list[Payload]:
        for attempt in range(MAX_RETRIES + 1):
            if recover or attempt > 0:
                found = await self.query(req.symbol, req.cid)
                if found is not None:
                    return found
            try:
                answer = await self.call(self._send_fn(req), **self._params(req))
            except Unknown as exc:
                logger.warning("order {} outcome unknown ({}); querying before any resend", req.cid, exc)
                continue
            except BinanceAPIException as exc:
                return [self._rejected(req, exc.code, str(exc.message) if exc.code else describe(exc))]
            exchange_id = str(answer.get("algoId") or answer.get("orderId") or "")
            return [OrderAccepted(client_order_id=req.cid, setup_id=req.setup_id, symbol=_sym(req.symbol),
                                  exchange_order_id=exchange_id)]
        found = await self.query(req.symbol, req.cid)
        return found or [self._rejected(req, -1007, "execution status unknown after 2 retries; not placed")]

    def _send_fn(self, req: Request) -> Callable[..., Awaitable[Any]]:
        return self.client.futures_create_algo_order if is_algo(req.cid) else self.client.futures_create_order  # type: ignore[no-any-return]

    def _params(self, req: Request) -> dict[str, Any]:
        p: dict[str, Any] = {"symbol": req.symbol, "side": req.side, "type": req.type}
        if is_algo(req.cid):
            p.update(algoType="CONDITIONAL", clientAlgoId=req.cid, triggerPrice=f"{req.price:f}",
                     closePosition="true", workingType=req.working_type,
                     priceProtect="true" if req.price_protect else "false")
            return p
        p.update(newClientOrderId=req.cid, quantity=f"{req.qty:f}")
        if req.type == "LIMIT":
            p.update(price=f"{req.price:f}", timeInForce="GTC")
        if req.reduce_only:
            p["reduceOnly"] = "true"
        return p

    def _rejected(self, req: Request, code: int, msg: str) -> OrderRejected:
        return OrderRejected(client_order_id=req.cid, setup_id=req.setup_id, symbol=_sym(req.symbol), code=code,
                             msg=msg)

    async def _cancel(self, req: Request) -> list[Payload]:
        try:
            if is_algo(req.cid):
                await self.call(self.client.futures_cancel_algo_order, symbol=req.symbol, clientAlgoId=req.cid)
            else:
                await self.call(self.client.futures_cancel_order, symbol=req.symbol, origClientOrderId=req.cid)
        except (BinanceAPIException, Unknown) as exc:
            found = await self.query(req.symbol, req.cid)
            code = exc.code if isinstance(exc, BinanceAPIException) else None
            return found or [VenueError(operation="cancel", code=code, msg=describe(exc), retriable=False,
                                        symbol=req.symbol, client_order_id=req.cid)]
        return await self.query(req.symbol, req.cid) or []

    # --- what the venue knows about one of our orders ---------------------------------------------
    async def query(self, symbol: str, cid: str) -> list[Payload] | None:
        """Reports for what the venue says about `cid` that we have not reported yet; None: not found."""
        try:
            if is_algo(cid):
                algo = await self.find_algo(symbol, cid)
                return None if algo is None else await self._algo_reports(symbol, cid, algo)
            order = await self.call(self.client.futures_get_order, symbol=symbol, origClientOrderId=cid)
        except BinanceAPIException as exc:
            if exc.code in NOT_FOUND:
                return None
            raise
        return await order_reports(self, cid, order)

    async def find_algo(self, symbol: str, cid: str, patience_s: float = 0.0) -> dict[str, Any] | None:
        """The algo order `cid`: by its id, else in the open list (the single query has denied existing
        orders); with `patience_s`, asked again until that long has passed before it counts as gone."""
        deadline = time.monotonic() + patience_s
        while True:
            try:
                found: dict[str, Any] = await self.call(self.client.futures_get_algo_order, clientAlgoId=cid)
                return found
            except BinanceAPIException as exc:
                if exc.code not in NOT_FOUND:
                    raise
            listed = await self.call(self.client.futures_get_open_algo_orders, symbol=symbol)
            match = next((a for a in listed if a.get("clientAlgoId") == cid), None)
            if match is not None:
                return dict(match)
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.5)

    async def _algo_reports(self, symbol: str, cid: str, algo: dict[str, Any]) -> list[Payload]:
        meta = self.meta(cid)
        setup_id = meta[0] if meta else None
        out: list[Payload] = [OrderAccepted(client_order_id=cid, setup_id=setup_id, symbol=_sym(symbol),
                                            exchange_order_id=str(algo.get("algoId", "")))]
        actual = algo.get("actualOrderId")
        if actual:
            out += await engine_reports(self, symbol, cid, str(actual))
        status = algo.get("algoStatus")
        if status in ("CANCELED", "EXPIRED", "REJECTED"):
            out.append(OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=_sym(symbol),
                                     filled_qty=Decimal(0), reason=str(status)))
        return out

    def note(self, report: Payload) -> bool:
        """Record a report; False when it repeats one already reported."""
        if isinstance(report, OrderFilled):
            qty, _ = self.reported.get(report.client_order_id, (Decimal(0), Decimal(0)))
            if report.cum_qty <= qty:
                return False
            self.reported[report.client_order_id] = (report.cum_qty, report.avg_price * report.cum_qty)
        elif isinstance(report, OrderAccepted):
            if report.client_order_id in self.accepted:
                return False
            self.accepted.add(report.client_order_id)
        elif isinstance(report, (OrderCanceled, OrderRejected)):
            if report.client_order_id in self.terminal:
                return False
            self.terminal.add(report.client_order_id)
        return True

    # --- flatten: everything at the venue ---------------------------------------------------------
    async def sweep(self, req: Request, symbols: tuple[str, ...]) -> list[Payload]:
        canceled: list[str] = []
        closed: list[str] = []
        problems: list[str] = []
        for sym in symbols:
            try:
                opened = await self.call(self.client.futures_get_open_orders, symbol=sym)
                algos = await self.call(self.client.futures_get_open_algo_orders, symbol=sym)
                if opened:
                    await self.call(self.client.futures_cancel_all_open_orders, symbol=sym)
                if algos:
                    await self.call(self.client.futures_cancel_all_algo_open_orders, symbol=sym)
                canceled += [o["clientOrderId"] for o in opened] + [a["clientAlgoId"] for a in algos]
                for pos in await self.call(self.client.futures_position_information, symbol=sym):
                    amt = Decimal(pos["positionAmt"])
                    if amt != 0:
                        await self.call(self.client.futures_create_order, symbol=sym, type="MARKET",
                                        side="SELL" if amt > 0 else "BUY", quantity=f"{abs(amt):f}",
                                        reduceOnly="true", newClientOrderId=f"lf-{req.cid}-{sym}"[:36])
                        closed.append(f"{sym}:{amt}")
            except (BinanceAPIException, Unknown, Banned) as exc:
                problems.append(f"{sym}: {describe(exc)}")
        return [FlattenCompleted(reason=req.purpose, canceled=tuple(canceled), closed=tuple(closed),
                                 ok=not problems, detail="; ".join(problems))]


def _sym(symbol: str) -> Symbol:
    return symbol  # type: ignore[return-value]
