"""The executor's pure core (DESIGN §3, §6).

Inputs: `intents` (EntryApproved, FlattenOrdered), `commands` (HealthCheckRequested, ConfigPublished),
`md.<SYMBOL>` (the book) and whatever the venue answers on (an external venue: `executions`, source
`executor-venue`). Outputs: OrderSubmitted plus the trade's facts (ProtectionPlaced, PositionOpened,
PositionClosed, IncidentReported, AccountUpdated, BootChecksCompleted from the paper venue). Every order the
core wants is a `Request` in `state.outbox`, and the venue passed at construction (executor/venue.py) says
when it is answered: the paper venue inside the same decision (its reports are emitted and fed back at
once, so `liqfade replay` fills deterministically), an external one later, as a recorded input (the request
leaves the outbox when that answer comes back through `decide`). The core never asks which venue it has.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from executor import account, exits, lifecycle, outbox, protection, reconcile
from executor.paper import PaperVenue
from executor.state import ExecState, Request, Trade, clone, dump, load
from executor.venue import Venue
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
    VenueError,
)
from schemas.positions import TradeAdopted
from schemas.risk import EntryApproved, FlattenOrdered
from schemas.streams import COMMANDS, INTENTS, md
from schemas.types import ExitReason

VENUE_SOURCE = "executor-venue"  # envelopes the live runner writes for the venue's answers
REPORTS = (OrderAccepted, OrderFilled, OrderCanceled, OrderRejected, VenueError)
ANSWERS_NOW = (*REPORTS, ExternalFill, PositionReported, FlattenCompleted)  # what a venue may answer inside
HANDLED = (BookTickerUpdated, EntryApproved, FlattenOrdered, HealthCheckRequested, ConfigPublished)


class ExecutorCore:
    name = "executor"
    same_state_means_unchanged = True  # decide/on_timer change only a clone (the runner skips the snapshot)

    def __init__(self, config: BotConfig, venue: Venue, trading_mode: str | None = None) -> None:
        """`config`: the one the process started with (the state carries the one in force). `trading_mode`:
        TRADING_MODE of the process, when a runner runs it; config.mode must say the same (replay: None)."""
        self.config = config
        self.venue = venue
        self.trading_mode = trading_mode
        symbols = tuple(md(s) for s in active_symbols(config))
        self.inputs: tuple[str, ...] = (INTENTS, COMMANDS, *symbols, *venue.inputs)

    # --- the Core protocol ------------------------------------------------------------------------
    def initial_state(self) -> ExecState:
        return self.venue.initial_state(self.config)

    def snapshot(self, state: ExecState) -> bytes:
        return dump(state)

    def restore(self, raw: bytes) -> ExecState:
        return self.venue.restored(load(raw, self.config))

    def next_deadline(self, state: ExecState) -> int | None:
        if self.venue.boot_due(state):
            return 0
        best: int | None = None
        if state.account_due and all(t.stage == "DONE" for t in state.trades.values()):
            best = 0  # a settings change waited for the trades to end: they have
        for t in state.trades.values():
            for at in _deadlines(state, t):
                best = at if best is None else min(best, at)
        return best

    def _mode_ok(self, config: BotConfig) -> bool:
        return self.trading_mode is None or config.mode == self.trading_mode

    def decide(self, state: ExecState, event: Envelope, now: int) -> Decision[ExecState]:
        p = event.payload
        if isinstance(p, BookTickerUpdated) and not self.venue.holds_orders(state, p.symbol):
            return Decision(self._with_book(state, p))  # the common case: no copy of the whole state
        if not isinstance(p, HANDLED) and event.source != VENUE_SOURCE:
            return Decision(state)  # klines, liquidations, our own outputs echoed on `executions`
        s = clone(state)
        emits: list[Emit] = []
        if isinstance(p, BookTickerUpdated):
            s.books[p.symbol] = (p.bid, p.ask)
            emits += self._feed(s, self.venue.on_book(s, p, now), now)
        elif isinstance(p, EntryApproved):
            if self._mode_ok(s.config):
                emits += lifecycle.approve(s, event.id, p, s.config.execution, now)
            else:
                emits += account.mode_mismatch(s.config, self.trading_mode or self.venue.name)
        elif isinstance(p, FlattenOrdered):
            emits += self._flatten(s, event.id, p, now)
        elif isinstance(p, HealthCheckRequested):
            if s.remember(f"health/{p.idempotency_key}"):  # else answered already (or on its way)
                emits += self.venue.health(s, p.idempotency_key, now)
        elif isinstance(p, ConfigPublished):
            old, s.config = s.config, p.config
            emits += account.mode_mismatch(p.config, self.trading_mode) if self.trading_mode else []
            emits += self.venue.config_changed(s, old, now, self._mode_ok(p.config))
        elif event.source == VENUE_SOURCE:
            emits += self._venue(s, event, now)
        else:
            return Decision(state)
        emits += self.venue.perform(s, now, self._feed)
        return Decision(s, emits)

    def on_timer(self, state: ExecState, now: int) -> Decision[ExecState]:
        s = clone(state)
        emits: list[Emit] = []
        if self.venue.boot_due(s):
            emits += self.venue.boot(s, self._mode_check(s.config))
        for t in sorted(s.trades.values(), key=lambda x: x.setup_id):
            emits += _timers(s, t, now)
        emits += self.venue.after_timers(s, now)
        emits += self.venue.perform(s, now, self._feed)
        _prune(s)
        return Decision(s, emits)

    # --- helpers ----------------------------------------------------------------------------------
    def _feed(self, s: ExecState, reports: Sequence[Payload], now: int) -> list[Emit]:
        emits: list[Emit] = []
        for report in reports:
            assert isinstance(report, ANSWERS_NOW)
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
        emits += outbox.submit(s, Request("sweep", f"sweep-{s.sweeps}", purpose=p.reason, created=now))
        return emits

    def _mode_check(self, config: BotConfig) -> CheckResult:
        ok = self._mode_ok(config)  # replay (no TRADING_MODE) never fails it: the same text as a passing run
        return CheckResult(name="mode", ok=ok, detail=f"config mode={config.mode}" + (
            "" if ok else f" but TRADING_MODE={self.trading_mode}: publish a config with mode="
                          f"{self.trading_mode}, or change TRADING_MODE"))

    def _with_book(self, state: ExecState, p: BookTickerUpdated) -> ExecState:
        s = copy.copy(state)
        s.books = {**state.books, p.symbol: (p.bid, p.ask)}
        self.venue.book_seen(s, p)
        return s


def _deadlines(state: ExecState, t: Trade) -> list[int]:
    if t.stage == "DONE":
        return []
    out: list[int] = []
    entry_open = any(o.purpose == "ENTRY" and o.type == "LIMIT" and o.is_open and not o.cancel_requested
                     for o in outbox.trade_orders(state, t))
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
        for o in outbox.trade_orders(s, t):
            if o.purpose == "ENTRY" and o.type == "LIMIT" and o.is_open and not o.cancel_requested:
                emits += outbox.submit(s, Request("cancel", o.cid, o.symbol, purpose="ENTRY",
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
        orders = outbox.trade_orders(s, t)
        if t.stage == "DONE" and not any(o.is_open for o in orders):
            if sum(1 for x in s.trades.values() if x.stage == "DONE") <= 20:
                break
            del s.trades[setup_id]
            for o in orders:
                del s.orders[o.cid]


def make_core(config: BotConfig) -> ExecutorCore:
    """The core `liqfade replay` uses: always the paper venue, inside, with the built-in filters."""
    return ExecutorCore(config, PaperVenue())
