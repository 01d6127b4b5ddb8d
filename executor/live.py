"""The live side of the runner: boot checks, the outbox dispatcher, venue reports onto `executions`.

The core runs under the StreamRunner on the same event loop (runtime.loop_runner); after every commit
the runner hands the committed outbox to `Dispatcher.sync`. Each request is performed once per process
(sequentially, in outbox order); its answer is appended to `executions` with source `executor-venue` and
comes back to the core as an input, which takes the request off the outbox. After a restart every
request still in the outbox is recovered: queried by client id before it is ever sent again.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from binance.exceptions import BinanceAPIException
from loguru import logger

from executor.binance import Banned, BinanceVenue, Unknown
from executor.core import VENUE_SOURCE
from executor.filters import parse_exchange_info
from executor.ids import purpose_of
from executor.state import ExecState, Request
from executor.translate import Translator
from runtime import bus
from runtime.clock import Clock, system_clock
from runtime.core import Emit, envelopes
from schemas.envelope import Payload
from schemas.orders import (
    AccountUpdated,
    BootChecksCompleted,
    CheckResult,
    HealthCheckResult,
    LeverageSet,
    OrderPurpose,
    SymbolFilters,
    VenueError,
)
from schemas.positions import IncidentReported
from schemas.types import Symbol

StateFn = Callable[[], ExecState]


class Reporter:
    """Appends venue reports to `executions` as envelopes from `executor-venue`."""

    def __init__(self, redis: bus.Redis, keep: Callable[[Payload], bool], clock: Clock | None = None) -> None:
        self.redis = redis
        self.keep = keep  # drops reports already made (stream and query both saw the same fill)
        self.clock = clock or system_clock()
        self.prefix = f"venue/{time.time_ns()}"
        self.seq = itertools.count()

    def __call__(self, reports: list[Payload]) -> None:
        reports = [r for r in reports if self.keep(r)]
        if not reports:
            return
        now = self.clock.now_ms()
        emits = [Emit(r, correlation_id=getattr(r, "setup_id", None)) for r in reports]
        bus.append(self.redis, envelopes(emits, source=VENUE_SOURCE, cause_id=f"{self.prefix}/{next(self.seq)}",
                                         now=now))


class Dispatcher:
    def __init__(self, venue: BinanceVenue, report: Reporter, symbols: tuple[str, ...]) -> None:
        self.venue = venue
        self.report = report
        self.symbols = symbols
        self.queue: asyncio.Queue[tuple[Request, bool]] = asyncio.Queue()
        self.inflight: set[tuple[str, str]] = set()
        self.first = True
        self.sent_at: dict[str, float] = {}  # cid → monotonic time the request was taken (bench)

    def sync(self, outbox: list[Request]) -> None:
        """Called on the event loop with the committed outbox: dispatch what is new."""
        keys = {(r.action, r.cid) for r in outbox}
        self.inflight &= keys
        recover, self.first = self.first, False
        for req in outbox:
            key = (req.action, req.cid)
            if key not in self.inflight:
                self.inflight.add(key)
                self.queue.put_nowait((req, recover))

    async def run(self) -> None:
        while True:
            req, recover = await self.queue.get()
            self.sent_at[req.cid] = time.monotonic()
            try:
                reports = await self.perform(req, recover)
            except (TimeoutError, BinanceAPIException, Unknown, Banned, OSError) as exc:
                logger.warning("{} {} failed ({}); retrying with a query first", req.action, req.cid, exc)
                reports = [VenueError(operation=req.action, code=getattr(exc, "code", None), msg=str(exc),
                                      retriable=True, symbol=req.symbol or None)]
                asyncio.get_running_loop().call_later(1.0, self.queue.put_nowait, (req, True))
            self.report(reports)
            self.after_ban(req)

    def after_ban(self, req: Request) -> None:
        """A cancel refused by a ban (418) is sent again once the ban ends: the order it cancels (the other
        exit of a closed trade) must not stay working at the exchange."""
        wait_ms = self.venue.banned_until - self.venue.clock.now_ms()
        if req.action == "cancel" and wait_ms > 0:
            logger.warning("{} {} refused by the ban; sending it again in {:.0f} s", req.action, req.cid,
                           wait_ms / 1000)
            asyncio.get_running_loop().call_later(wait_ms / 1000 + 0.5, self.queue.put_nowait, (req, True))

    async def perform(self, req: Request, recover: bool) -> list[Payload]:
        if req.action == "sweep":
            return await self.venue.sweep(req, self.symbols)
        if req.action == "health":
            return [await health(self.venue, req.cid)]
        return await self.venue.perform(req, recover)


async def health(venue: BinanceVenue, key: str) -> HealthCheckResult:
    checks: list[CheckResult] = []
    try:
        started = time.monotonic()
        # our signed timestamps are local time + the offset learnt at the last sync: the skew that
        # matters is how far that has drifted from the venue's clock (the simulator's clock is virtual,
        # so the raw offset there is months; on Binance it is the host's NTP error)
        before = venue.offset
        offset = await venue.sync_time()
        rtt = int((time.monotonic() - started) * 1000)
        drift = offset - before
        checks.append(CheckResult(name="connectivity", ok=True, detail=f"/fapi/v1/time in {rtt} ms"))
        checks.append(CheckResult(name="clock_skew", ok=abs(drift) < 1000,
                                  detail=f"{drift} ms since the last sync (offset {offset} ms, resynced)"))
    except Exception as exc:  # any failure is the answer here
        checks.append(CheckResult(name="connectivity", ok=False, detail=str(exc)))
    try:
        await venue.call(venue.client.futures_account_balance)
        checks.append(CheckResult(name="permissions", ok=True, detail="signed USER_DATA call accepted"))
    except Exception as exc:
        checks.append(CheckResult(name="permissions", ok=False, detail=str(exc)))
    used = venue.used_weight()
    checks.append(CheckResult(name="rate_limit", ok=used < 1800, detail=f"{used}/2400 weight used this minute"))
    return HealthCheckResult(idempotency_key=key, ok=all(c.ok for c in checks), checks=tuple(checks))


def meta_from(state: StateFn) -> Callable[[str], tuple[str | None, OrderPurpose] | None]:
    def meta(cid: str) -> tuple[str | None, OrderPurpose] | None:
        purpose = purpose_of(cid)
        if purpose is None:
            return None
        order = state().orders.get(cid)
        return (order.setup_id if order else None, purpose)
    return meta


async def boot(venue: BinanceVenue, state: ExecState, symbols: tuple[Symbol, ...], leverage: int,
               report: Reporter) -> bool:
    """Seed §10.2: leverage, filters, commission, permissions, reconcile. Any failure → ok=false."""
    checks: list[CheckResult] = []
    out: list[Payload] = []
    filters: tuple[SymbolFilters, ...] = ()

    async def check(name: str, step: Any, detail: Callable[[Any], str] = lambda r: str(r)[:200]) -> Any:
        try:
            result = await step
        except Exception as exc:
            checks.append(CheckResult(name=name, ok=False, detail=f"{type(exc).__name__}: {exc}"))
            return None
        checks.append(CheckResult(name=name, ok=True, detail=detail(result)))
        return result

    skew = await check("time_sync", venue.sync_time())
    for sym in symbols:
        if await check(f"leverage_{sym}", venue.call(venue.client.futures_change_leverage, symbol=sym,
                                                     leverage=leverage)) is not None:
            out.append(LeverageSet(symbol=sym, leverage=leverage))
    info = await check("exchange_info", venue.call(venue.client.futures_exchange_info))
    fees: dict[str, tuple[Decimal, Decimal]] = {}
    for sym in symbols:
        rate = await check(f"commission_{sym}", venue.call(venue.client.futures_commission_rate, symbol=sym))
        if rate is not None:
            fees[sym] = (Decimal(rate["makerCommissionRate"]), Decimal(rate["takerCommissionRate"]))
    venue.fees = fees
    if info is not None and len(fees) == len(symbols):
        filters = parse_exchange_info(info, fees, symbols)
        if {f.symbol for f in filters} != set(symbols):
            checks.append(CheckResult(name="filters", ok=False, detail="a symbol is missing from exchangeInfo"))
    balances = await check("permissions", venue.call(venue.client.futures_account_balance))
    equity = Decimal(0)
    for row in balances or []:
        if row.get("asset") == "USDT":
            equity = Decimal(row["balance"]) + Decimal(row.get("crossUnPnl", "0"))
    reconciled = await check("reconcile", reconcile(venue, state, symbols), lambda r: str(r[1]))
    out += reconciled[0] if reconciled else []
    ok = all(c.ok for c in checks) and skew is not None
    out.append(BootChecksCompleted(ok=ok, venue="live", checks=tuple(checks), filters=filters))
    out.append(AccountUpdated(equity=equity, wallet_balance=equity, available=equity))
    report(out)
    return ok


async def reconcile(venue: BinanceVenue, state: ExecState,
                    symbols: tuple[str, ...]) -> tuple[list[Payload], str]:
    """Adopt what our state knows; cancel unknown orders and close unknown positions (and report them);
    query our open orders for fills we missed while we were away. Returns the reports and a summary.

    Unknown orders go first, so a foreign reduce-only order cannot stand in the way of the close; a
    position in a symbol where our state has an open trade is that trade's (adopted, never flattened)."""
    out: list[Payload] = []
    open_ids: set[str] = set()
    mine = {cid for cid, o in state.orders.items() if o.is_open}
    held = {t.symbol for t in state.trades.values() if t.stage != "DONE"}
    adopted: list[str] = []
    for sym in symbols:
        for o in await venue.call(venue.client.futures_get_open_orders, symbol=sym):
            open_ids.add(o["clientOrderId"])
            if o["clientOrderId"] not in mine:
                await venue.call(venue.client.futures_cancel_order, symbol=sym, orderId=o["orderId"])
                out.append(_incident("UNKNOWN_ORDER", sym, f"open order {o['clientOrderId']}", "cancelled"))
        for a in await venue.call(venue.client.futures_get_open_algo_orders, symbol=sym):
            open_ids.add(a["clientAlgoId"])
            if a["clientAlgoId"] not in mine:
                await venue.call(venue.client.futures_cancel_algo_order, symbol=sym, algoId=a["algoId"])
                out.append(_incident("UNKNOWN_ORDER", sym, f"algo order {a['clientAlgoId']}", "cancelled"))
        for pos in await venue.call(venue.client.futures_position_information, symbol=sym):
            amt = Decimal(pos["positionAmt"])
            if amt != 0 and sym in held:
                adopted.append(f"{sym} {amt}")
            if amt != 0 and sym not in held:
                await venue.call(venue.client.futures_create_order, symbol=sym, type="MARKET", reduceOnly="true",
                                 side="SELL" if amt > 0 else "BUY", quantity=f"{abs(amt):f}")
                out.append(_incident("UNKNOWN_POSITION", sym, f"position {amt} not in our state", "closed at market"))
    queued = {r.cid for r in state.outbox if r.action == "place"}
    for cid in sorted(mine - open_ids - queued):
        found = await venue.query(state.orders[cid].symbol, cid)
        out += found or []
    kinds = [p.kind for p in out if isinstance(p, IncidentReported)]
    summary = (f"adopted {len(held)} open trade(s) (positions: {', '.join(adopted) or 'none'}), "
               f"{len(mine & open_ids)} of our orders open; cancelled {kinds.count('UNKNOWN_ORDER')} unknown "
               f"order(s), closed {kinds.count('UNKNOWN_POSITION')} unknown position(s) at market")
    return out, summary


async def catch_up(venue: BinanceVenue, state: ExecState, report: Reporter) -> None:
    """After a (re)connect of the user stream: query every open order for what we may have missed."""
    reports: list[Payload] = []
    queued = {r.cid for r in state.outbox if r.action == "place"}
    for cid, order in sorted(state.orders.items()):
        if order.is_open and cid not in queued:
            try:
                reports += await venue.query(order.symbol, cid) or []
            except (BinanceAPIException, Unknown, Banned) as exc:
                logger.warning("could not query {} after reconnect: {}", cid, exc)
    report(reports)


def _incident(kind: str, symbol: str, detail: str, action: str) -> IncidentReported:
    return IncidentReported(kind=kind, symbol=symbol, setup_id=None, detail=detail, action=action)


def stream_handler(translator: Translator, venue: BinanceVenue, report: Reporter) -> Any:
    async def handle(event: dict[str, Any]) -> None:
        report(translator.reports(event))
    return handle
