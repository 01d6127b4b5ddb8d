"""The executor's pure core (DESIGN §3, §6).

Inputs: `intents` (EntryApproved, FlattenOrdered), `commands` (HealthCheckRequested, ConfigPublished),
`md.<SYMBOL>` (the book) and, live, the venue's reports on `executions` (source `executor-venue`).
Outputs: OrderSubmitted plus the trade's facts (ProtectionPlaced, PositionOpened, PositionClosed,
IncidentReported, AccountUpdated, BootChecksCompleted in paper). Every order the core wants is a
`Request` in `state.outbox`:
- paper: the pure PaperVenue performs it inside the same decision and its reports are emitted and fed
  back at once, so `liqfade replay` fills deterministically;
- live: the runner performs it with python-binance and appends the answer to `executions`; the
  request leaves the outbox when that answer comes back through `decide`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from executor import account, exits, lifecycle, protection, reconcile, requests
from executor.filters import default_filters
from executor.paper import PaperVenue, configure, new_account
from executor.state import ExecState, Request, Trade, clone, dump, load
from runtime.core import Decision, Emit
from schemas.account import (
    AccountUpdated,
    BalanceReported,
    FundingCharged,
    LeverageSet,
    MarginTypeSet,
    UserStreamChanged,
)
from schemas.commands import ConfigPublished, HealthCheckRequested
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Envelope, Payload
from schemas.market import BookTickerUpdated
from schemas.orders import (
    BootChecksCompleted,
    CheckResult,
    ExternalFill,
    FlattenCompleted,
    HealthCheckResult,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    PositionReported,
    SymbolFilters,
    VenueError,
)
from schemas.positions import TradeAdopted
from schemas.risk import EntryApproved, FlattenOrdered
from schemas.streams import COMMANDS, EXECUTIONS, INTENTS, md
from schemas.types import ExitReason

VENUE_SOURCE = "executor-venue"  # envelopes the live runner writes for the venue's answers
REPORTS = (OrderAccepted, OrderFilled, OrderCanceled, OrderRejected, VenueError)
PAPER_REPORTS = (*REPORTS, ExternalFill, PositionReported, FlattenCompleted)
HANDLED = (BookTickerUpdated, EntryApproved, FlattenOrdered, HealthCheckRequested, ConfigPublished)


class ExecutorCore:
    name = "executor"
    same_state_means_unchanged = True  # decide/on_timer change only a clone (the runner skips the snapshot)

    def __init__(self, config: BotConfig, filters: tuple[SymbolFilters, ...] | None = None,
                 filters_source: str = "built-in defaults", mode: str | None = None,
                 trading_mode: str | None = None) -> None:
        self.config = config
        self.mode = mode or config.mode
        # TRADING_MODE of the process, when a runner runs it: config.mode must say the same (replay: None)
        self.trading_mode = trading_mode
        # live trades only on the exchange's filters (they come with its boot checks)
        self.filters = filters if filters is not None else (default_filters(config) if self.mode != "live" else ())
        self.filters_source = filters_source
        self.reboot_on_restore = False  # the paper runner re-announces its boot on every start
        symbols = tuple(md(s) for s in active_symbols(config))
        self.inputs: tuple[str, ...] = (INTENTS, COMMANDS, *symbols)
        if self.mode == "live":
            self.inputs = (*self.inputs, EXECUTIONS)

    # --- the Core protocol ------------------------------------------------------------------------
    def initial_state(self) -> ExecState:
        state = ExecState(mode="live" if self.mode == "live" else "paper")
        state.filters = {f.symbol: f for f in self.filters}
        if state.mode == "paper":
            state.paper = new_account(self.config, self.filters)
            state.equity = self.config.paper.starting_equity_usdt
            state.stream_up = True  # no stream to lose: the paper venue reports inside the decision
        return state

    def snapshot(self, state: ExecState) -> bytes:
        return dump(state)

    def restore(self, raw: bytes) -> ExecState:
        state = load(raw)
        if self.reboot_on_restore:
            state.booted = False
        return state

    def next_deadline(self, state: ExecState) -> int | None:
        if state.mode == "paper" and not state.booted:
            return 0
        best: int | None = None
        if state.account_due and all(t.stage == "DONE" for t in state.trades.values()):
            best = 0  # a settings change waited for the trades to end: they have
        for t in state.trades.values():
            for at in _deadlines(state, t):
                best = at if best is None else min(best, at)
        return best

    def _mode_ok(self) -> bool:
        return self.trading_mode is None or self.config.mode == self.trading_mode

    def decide(self, state: ExecState, event: Envelope, now: int) -> Decision[ExecState]:
        p = event.payload
        if isinstance(p, BookTickerUpdated) and not _has_orders(state, p.symbol):
            return Decision(_with_book(state, p))  # the common case: no copy of the whole state
        if not isinstance(p, HANDLED) and event.source != VENUE_SOURCE:
            return Decision(state)  # klines, liquidations, our own outputs echoed on `executions`
        s = clone(state)
        emits: list[Emit] = []
        if isinstance(p, BookTickerUpdated):
            s.books[p.symbol] = (p.bid, p.ask)
            if s.paper is not None:
                emits += self._feed(s, PaperVenue(s).on_book(p.symbol, p.bid, p.ask, p.bid_qty, p.ask_qty, now), now)
        elif isinstance(p, EntryApproved):
            if self._mode_ok():
                emits += lifecycle.approve(s, event.id, p, self.config.execution, now)
            else:
                emits += account.mode_mismatch(self.config, self.trading_mode or self.mode)
        elif isinstance(p, FlattenOrdered):
            emits += self._flatten(s, event.id, p, now)
        elif isinstance(p, HealthCheckRequested):
            emits += self._health(s, p, now)
        elif isinstance(p, ConfigPublished):
            old, self.config = self.config, p.config
            if s.paper is not None:
                configure(s.paper, p.config)
            emits += account.mode_mismatch(p.config, self.trading_mode) if self.trading_mode else []
            if s.mode == "live" and self._mode_ok():
                emits += account.settings_changed(s, old, p.config, now)
        elif event.source == VENUE_SOURCE:
            emits += self._venue(s, event, now)
        else:
            return Decision(state)
        emits += self._perform_paper(s, now)
        return Decision(s, emits)

    def on_timer(self, state: ExecState, now: int) -> Decision[ExecState]:
        s = clone(state)
        emits: list[Emit] = []
        if s.mode == "paper" and not s.booted:
            s.booted = True
            emits += self._paper_boot(s)
        for t in sorted(s.trades.values(), key=lambda x: x.setup_id):
            emits += _timers(s, t, now)
        if s.mode == "live":
            emits += account.apply_settings(s, self.config, now)
        emits += self._perform_paper(s, now)
        _prune(s)
        return Decision(s, emits)

    # --- helpers ----------------------------------------------------------------------------------
    def _perform_paper(self, s: ExecState, now: int) -> list[Emit]:
        """Paper: perform every queued request now, feeding the reports back until nothing is left."""
        if s.paper is None:
            return []
        emits: list[Emit] = []
        while s.outbox:
            req = s.outbox.pop(0)
            emits += self._feed(s, PaperVenue(s).perform(req, now), now)
        return emits

    def _feed(self, s: ExecState, reports: Sequence[Payload], now: int) -> list[Emit]:
        emits: list[Emit] = []
        for report in reports:
            assert isinstance(report, PAPER_REPORTS)
            emits.append(Emit(report, correlation_id=getattr(report, "setup_id", None)))
            emits += self._report(s, report, now)
        return emits

    def _venue(self, s: ExecState, event: Envelope, now: int) -> list[Emit]:
        p = event.payload
        if isinstance(p, BootChecksCompleted):
            s.booted = p.ok  # what we hold was reconciled before this report (executor.venue_reconcile)
            s.filters = {**s.filters, **{f.symbol: f for f in p.filters}}
        elif isinstance(p, AccountUpdated):
            s.equity = p.equity
        elif isinstance(p, HealthCheckResult):
            s.outbox = [r for r in s.outbox if not (r.action == "health" and r.cid == p.idempotency_key)]
        elif isinstance(p, FlattenCompleted):
            s.outbox = [r for r in s.outbox if r.action != "sweep"]
        elif isinstance(p, BalanceReported):
            return account.balance(s, p)
        elif isinstance(p, FundingCharged):
            return account.funding(s, p)
        elif isinstance(p, UserStreamChanged):
            return account.stream_changed(s, p)
        elif isinstance(p, TradeAdopted):
            return reconcile.adopt(s, p, now)
        elif isinstance(p, LeverageSet | MarginTypeSet) or (isinstance(p, VenueError) and p.operation == "account"):
            s.outbox = [r for r in s.outbox if r.action != "account"]  # the settings request was answered
        else:
            return self._report(s, p, now)
        return []

    def _report(self, s: ExecState, p: Payload, now: int) -> list[Emit]:
        if isinstance(p, REPORTS):
            return lifecycle.on_report(s, p, now)
        if isinstance(p, ExternalFill):
            return exits.external_fill(s, p, now)
        if isinstance(p, PositionReported):
            return reconcile.position_reported(s, p, now)
        return []

    def _flatten(self, s: ExecState, event_id: str, p: FlattenOrdered, now: int) -> list[Emit]:
        if not s.remember(f"flatten/{p.idempotency_key or event_id}"):
            return []
        emits: list[Emit] = []
        for t in sorted(s.trades.values(), key=lambda x: x.setup_id):
            emits += exits.close(s, t, ExitReason.FLATTEN, now)
        s.sweeps += 1
        emits += requests.submit(s, Request("sweep", f"sweep-{s.sweeps}", purpose=p.reason,
                                                       created=now))
        return emits

    def _health(self, s: ExecState, p: HealthCheckRequested, now: int) -> list[Emit]:
        if not s.remember(f"health/{p.idempotency_key}"):
            return []  # answered already (the live answer may still be on its way)
        if s.mode == "live":
            return requests.submit(s, Request("health", p.idempotency_key, created=now))
        checks = (
            CheckResult(name="connectivity", ok=True, detail="paper venue: no network"),
            CheckResult(name="clock_skew", ok=True, detail="paper venue: event time"),
            CheckResult(name="permissions", ok=True, detail="paper venue: none needed"),
            CheckResult(name="rate_limit", ok=True, detail="paper venue: unlimited"),
        )
        return [Emit(HealthCheckResult(idempotency_key=p.idempotency_key, ok=True, checks=checks))]

    def _paper_boot(self, s: ExecState) -> list[Emit]:
        symbols = active_symbols(self.config)
        missing = [sym for sym in symbols if sym not in s.filters]
        mode_ok = self._mode_ok()  # replay (no TRADING_MODE) never fails it: the same text as a passing run
        checks = (
            CheckResult(name="mode", ok=mode_ok, detail=f"config mode={self.config.mode}" + (
                "" if mode_ok else f" but TRADING_MODE={self.trading_mode}: publish a config with mode="
                                   f"{self.trading_mode}, or change TRADING_MODE")),
            CheckResult(name="leverage", ok=True, detail=f"paper: {self.config.leverage}x on {', '.join(symbols)}"),
            CheckResult(name="filters", ok=not missing, detail=filters_detail(self.filters_source, missing)),
            CheckResult(name="commission", ok=True, detail=f"paper maker {self.config.paper.maker_fee_rate} "
                                                           f"taker {self.config.paper.taker_fee_rate}"),
            CheckResult(name="permissions", ok=True, detail="paper venue: none needed"),
            CheckResult(name="reconcile", ok=True, detail=f"{sum(t.stage != 'DONE' for t in s.trades.values())} "
                                                          "open trades adopted from the snapshot"),
        )
        boot = BootChecksCompleted(ok=not missing and mode_ok, venue="paper", checks=checks,
                                   filters=tuple(f for f in s.filters.values() if f.symbol in symbols))
        return [Emit(boot), Emit(exits.account_payload(s))]


def filters_detail(source: str, missing: Sequence[str]) -> str:
    """The paper boot's filters check: where the filters came from, then the active symbols without one."""
    return source + (f"; missing {list(missing)}" if missing else "")


def _has_orders(state: ExecState, symbol: str) -> bool:
    acct = state.paper
    if acct is None:
        return False
    return any(o.symbol == symbol and o.is_open for o in acct.orders.values()) or any(
        a.symbol == symbol and a.status == "NEW" for a in acct.algos.values())


def _with_book(state: ExecState, p: BookTickerUpdated) -> ExecState:
    s = copy.copy(state)
    s.books = {**state.books, p.symbol: (p.bid, p.ask)}
    if state.paper is not None:
        acct = copy.copy(state.paper)
        acct.books = {**acct.books, p.symbol: (p.bid, p.ask)}
        acct.book_qty = {**acct.book_qty, p.symbol: (p.bid_qty, p.ask_qty)}
        s.paper = acct
    return s


def _deadlines(state: ExecState, t: Trade) -> list[int]:
    if t.stage == "DONE":
        return []
    out: list[int] = []
    entry_open = any(o.purpose == "ENTRY" and o.type == "LIMIT" and o.is_open and not o.cancel_requested
                     for o in requests.trade_orders(state, t))
    if entry_open and t.entry_deadline is not None:
        out.append(t.entry_deadline)
    if t.reason is None and t.position > 0:
        if not t.stop_ok and t.naked_deadline is not None:
            out.append(t.naked_deadline)
        if t.time_stop_ts is not None:
            out.append(t.time_stop_ts)
    if t.stage == "CLOSING" and t.close_retry_at is not None:
        out.append(t.close_retry_at)
    return out


def _timers(s: ExecState, t: Trade, now: int) -> list[Emit]:
    emits: list[Emit] = []
    if t.stage == "DONE":
        return emits
    if t.entry_deadline is not None and now >= t.entry_deadline:
        for o in requests.trade_orders(s, t):
            if o.purpose == "ENTRY" and o.type == "LIMIT" and o.is_open and not o.cancel_requested:
                emits += requests.submit(s, Request("cancel", o.cid, o.symbol, purpose="ENTRY",
                                                               setup_id=t.setup_id, created=now))
    if t.reason is None and t.position > 0:
        if not t.stop_ok and t.naked_deadline is not None and now >= t.naked_deadline:
            emits += protection.guard_expired(s, t, now)
        elif t.time_stop_ts is not None and now >= t.time_stop_ts:
            emits += exits.close(s, t, ExitReason.TIME_STOP, now)
    if t.stage == "CLOSING" and t.close_retry_at is not None and now >= t.close_retry_at:
        t.close_retry_at = None
        emits += exits.settle_close(s, t, now)
    return emits


def _prune(s: ExecState) -> None:
    """Forget finished trades whose orders are all over (the snapshot stays small)."""
    for setup_id, t in list(s.trades.items()):
        orders = requests.trade_orders(s, t)
        if t.stage == "DONE" and not any(o.is_open for o in orders):
            if sum(1 for x in s.trades.values() if x.stage == "DONE") <= 20:
                break
            del s.trades[setup_id]
            for o in orders:
                del s.orders[o.cid]


def make_core(config: BotConfig) -> ExecutorCore:
    """The core `liqfade replay` uses: always the paper venue, inside, with the built-in filters."""
    return ExecutorCore(config, mode="paper")
