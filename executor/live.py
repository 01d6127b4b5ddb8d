"""The live side of the executor: boot, the outbox dispatcher, venue reports onto `executions`.

The core runs under the shared consumer on the same event loop (runtime.asyncio_driver); after every
commit executor/runner.py hands the committed outbox to `Dispatcher.sync`. Each request is performed
once per process; its answer is appended to `executions` with source `executor-venue` and comes back to the core as an
input, which takes the request off the outbox. After a restart every request still in the outbox is
recovered: queried by client id before it is ever sent again.

Requests go by lane, so protection never waits behind anything else: `protect` (stops, take profits,
market closes, flatten) runs each request at once, concurrently; `orders` (entries, cancels) runs them in
order; `slow` (health checks, settle reads, account settings) in order too.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from binance.exceptions import BinanceAPIException
from loguru import logger

from executor import boot as checks_
from executor.binance import BinanceVenue
from executor.core import VENUE_SOURCE
from executor.errors import Banned, Unknown, describe
from executor.fills import engine_reports, implied_engine_fill, settle
from executor.ids import purpose_of
from executor.recovery import OpenTrade
from executor.state import ExecState, Request
from executor.translate import Translator
from executor.venue_reconcile import catch_up, reconcile
from runtime import bus
from runtime.clock import Clock, system_clock, wall_seconds
from runtime.core import Emit, envelopes
from schemas.account import LeverageSet, MarginTypeSet, UserStreamChanged
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Payload
from schemas.orders import BootChecksCompleted, OrderPurpose, VenueError

StateFn = Callable[[], ExecState]
PROTECTIVE = ("STOP_LOSS", "TAKE_PROFIT", "TIME_STOP", "FLATTEN", "INCIDENT")
HELD_QUERY_EVERY_S = 0.1
HELD_GIVE_UP_MS = 10_000
BALANCE_EVERY_MS = 60_000


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


def lane_of(req: Request) -> str:
    if req.action == "sweep" or (req.action == "place" and req.purpose in PROTECTIVE):
        return "protect"
    if req.action in ("place", "cancel"):
        return "orders"
    return "slow"


class Dispatcher:
    def __init__(self, venue: BinanceVenue, report: Reporter, config: Callable[[], BotConfig],
                 state: StateFn, translator: Translator) -> None:
        self.venue = venue
        self.report = report
        self.config = config
        self.state = state
        self.translator = translator
        self.queues: dict[str, asyncio.Queue[tuple[Request, bool]]] = {
            "protect": asyncio.Queue(), "orders": asyncio.Queue(), "slow": asyncio.Queue()}
        self.inflight: set[tuple[str, str]] = set()
        self.first = True
        self.sent_at: dict[str, float] = {}  # cid → monotonic time the request was taken (bench)
        self.tasks: set[asyncio.Task[None]] = set()

    def sync(self, outbox: list[Request]) -> None:
        """Called on the event loop with the committed outbox: dispatch what is new."""
        keys = {(r.action, r.cid) for r in outbox}
        self.inflight &= keys
        recover, self.first = self.first, False
        for req in outbox:
            key = (req.action, req.cid)
            if key not in self.inflight:
                self.inflight.add(key)
                self.queues[lane_of(req)].put_nowait((req, recover))

    async def run(self) -> None:
        await asyncio.gather(self._concurrent("protect"), self._in_order("orders"), self._in_order("slow"))

    async def _concurrent(self, lane: str) -> None:
        while True:
            item = await self.queues[lane].get()
            task = asyncio.create_task(self._one(lane, *item))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _in_order(self, lane: str) -> None:
        while True:
            await self._one(lane, *await self.queues[lane].get())

    async def _one(self, lane: str, req: Request, recover: bool) -> None:
        self.sent_at[req.cid] = time.monotonic()
        try:
            reports = await self.perform(req, recover)
        except (TimeoutError, BinanceAPIException, Unknown, Banned, OSError) as exc:
            logger.warning("{} {} failed ({}); retrying with a query first", req.action, req.cid, describe(exc))
            reports = [VenueError(operation=req.action, code=getattr(exc, "code", None), msg=describe(exc),
                                  retriable=True, symbol=req.symbol or None)]
            asyncio.get_running_loop().call_later(1.0, self.queues[lane].put_nowait, (req, True))
        self.report(reports)
        self.after_ban(lane, req)

    def after_ban(self, lane: str, req: Request) -> None:
        """A cancel refused by a ban (418) is sent again once the ban ends: the order it cancels (the other
        exit of a closed trade) must not stay working at the exchange."""
        wait_ms = self.venue.banned_until - self.venue.clock.now_ms()
        if req.action == "cancel" and wait_ms > 0:
            logger.warning("{} {} refused by the ban; sending it again in {:.0f} s", req.action, req.cid,
                           wait_ms / 1000)
            asyncio.get_running_loop().call_later(wait_ms / 1000 + 0.5, self.queues[lane].put_nowait, (req, True))

    async def perform(self, req: Request, recover: bool) -> list[Payload]:
        if req.action == "sweep":
            return await self.venue.sweep(req, active_symbols(self.config()))
        if req.action == "health":
            return [await checks_.health(self.venue, self.config(), req.cid, self.state().stream_up)]
        if req.action == "settle":
            return await settle(self.venue, req, self.state(), self.translator.engine)
        if req.action == "account":
            return await apply_settings(self.venue, req, active_symbols(self.config()))
        return await self.venue.perform(req, recover)


async def apply_settings(venue: BinanceVenue, req: Request, symbols: tuple[str, ...]) -> list[Payload]:
    """A published config's leverage and margin type, set on every symbol (the trades are over)."""
    out: list[Payload] = []
    for sym in symbols:
        try:
            if req.margin_type is not None:
                try:
                    await venue.call(venue.client.futures_change_margin_type, symbol=sym, marginType=req.margin_type)
                    out.append(MarginTypeSet(symbol=sym, margin_type=req.margin_type))
                except BinanceAPIException as exc:
                    if exc.code != -4046:  # already so
                        raise
            if req.leverage is not None:
                await venue.call(venue.client.futures_change_leverage, symbol=sym, leverage=req.leverage)
                out.append(LeverageSet(symbol=sym, leverage=req.leverage))
        except (BinanceAPIException, Unknown, Banned) as exc:
            out.append(VenueError(operation="account", code=getattr(exc, "code", None), retriable=False, symbol=sym,
                                  msg=f"{req.purpose}: could not set {req.margin_type} {req.leverage}x on {sym}: "
                                      f"{describe(exc)}"))
    return out or [VenueError(operation="account", code=None, msg="no symbol to set", retriable=False)]


def meta_from(state: StateFn) -> Callable[[str], tuple[str | None, OrderPurpose] | None]:
    def meta(cid: str) -> tuple[str | None, OrderPurpose] | None:
        purpose = purpose_of(cid)
        if purpose is None:
            return None
        order = state().orders.get(cid)
        return (order.setup_id if order else None, purpose)
    return meta


async def boot(venue: BinanceVenue, state: ExecState, config: BotConfig, report: Reporter,
               rebuild: list[OpenTrade] | None, engine: dict[str, str]) -> bool:
    """Seed §10.2: every account check, the balance, then reconcile. Any failure → ok=false."""
    checks = checks_.Checks()
    skew = await checks.run("time_sync", venue.sync_time(), lambda off: f"offset {off} ms to the exchange's clock")
    filters = await checks_.account_checks(venue, config, checks)
    balance = await checks.run("balance", checks_.balance(venue, "BOOT"),
                               lambda b: f"USDT wallet {b.wallet_usdt}, available {b.available_usdt}")
    out: list[Payload] = [balance] if balance is not None else []
    try:
        reports, result = await reconcile(venue, state, active_symbols(config), config.execution.on_foreign_position,
                                          rebuild, engine)
        out += reports
        checks.results.append(result)
    except Exception as exc:
        logger.exception("reconcile failed")
        checks.add("reconcile", False, describe(exc))
    await checks_.symbol_settings(venue, config, checks, apply=True)
    out += checks.out
    ok = checks.ok and skew is not None
    out.append(BootChecksCompleted(ok=ok, venue="live", checks=tuple(checks.results), filters=filters))
    report(out)
    return ok


def stream_handler(translator: Translator, venue: BinanceVenue, report: Reporter) -> Any:
    async def handle(event: dict[str, Any]) -> None:
        await venue.prices.ensure(_fee_assets(event))
        report(translator.reports(event, venue.clock.now_ms()))
        while translator.followups:
            f = translator.followups.pop(0)
            try:
                report(await engine_reports(venue, f.symbol, f.client_order_id, f.engine_order_id))
            except (BinanceAPIException, Unknown, Banned) as exc:
                logger.warning("FINISHED {} reports {} filled; its trades not readable ({}): booked from FINISHED",
                               f.client_order_id, f.executed, describe(exc))
            report(implied_engine_fill(venue, f))
    return handle


def _fee_assets(event: dict[str, Any]) -> set[str]:
    if event.get("e") == "ORDER_TRADE_UPDATE":
        return {str(event["o"].get("N") or "USDT")}
    if event.get("e") == "ACCOUNT_UPDATE":
        return {str(b.get("a")) for b in (event.get("a") or {}).get("B") or []}
    return set()


async def resolve_held(translator: Translator, venue: BinanceVenue, state: StateFn, report: Reporter,
                       stop: asyncio.Event) -> None:
    """Engine orders nobody named within HOLD_MS: ask the exchange which of our algo orders they belong to
    (`actualOrderId`), patiently (algo queries have denied existing orders for a while), then give up and
    book them as someone else's fill."""
    while not stop.is_set():
        await asyncio.sleep(HELD_QUERY_EVERY_S)
        now = venue.clock.now_ms()
        for order_id, symbol in translator.due(now):
            try:
                cid = await _owner(venue, state(), symbol, order_id)
            except (BinanceAPIException, Unknown, Banned) as exc:
                logger.warning("owner of engine order {} not read yet: {}", order_id, describe(exc))
                cid = None
            held = translator.held.get(order_id)
            if cid is None and held is not None and now - held.since < HELD_GIVE_UP_MS:
                continue
            if cid is None:
                logger.warning("engine order {} in {} is none of our algo orders: booked as a foreign fill",
                               order_id, symbol)
            report(translator.resolve(order_id, cid))


async def _owner(venue: BinanceVenue, state: ExecState, symbol: str, order_id: str) -> str | None:
    """The algo order of ours (of a trade still open in that symbol) whose engine order `order_id` is."""
    live = {t.setup_id for t in state.trades.values() if t.symbol == symbol and t.stage != "DONE"}
    for cid, order in sorted(state.orders.items()):
        if order.setup_id in live and order.purpose in ("STOP_LOSS", "TAKE_PROFIT") and order.type != "MARKET" \
                and order.status in ("NEW", "PENDING"):
            algo = await venue.find_algo(symbol, cid)
            if algo is not None and str(algo.get("actualOrderId") or "") == order_id:
                return cid
    return None


async def read_balance(venue: BinanceVenue, report: Reporter, stop: asyncio.Event) -> None:
    """The account's balance every minute (of exchange time): equity re-based from the exchange's numbers."""
    while not stop.is_set():
        await asyncio.sleep(wall_seconds(venue.clock, BALANCE_EVERY_MS))
        try:
            report([await checks_.balance(venue, "PERIODIC")])
        except (BinanceAPIException, Unknown, Banned) as exc:
            logger.warning("periodic balance read failed: {}", describe(exc))


def stream_reports(connected: bool, detail: str) -> list[Payload]:
    return [UserStreamChanged(connected=connected, detail=detail)]


async def reconnected(venue: BinanceVenue, state: StateFn, translator: Translator, report: Reporter) -> None:
    """After every (re)connect: what happened in the gap, then the stream counts as up."""
    report(await catch_up(venue, state(), translator.engine))
    report(stream_reports(True, "user-data stream connected"))
