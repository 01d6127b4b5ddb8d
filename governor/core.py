"""The governor core: the only place that says yes to a trade (DESIGN §5, seed §2.6-2.7, §5, §6, §10.2).

Reads `signals`, `executions`, `feed` and `commands`; writes `intents` (EntryApproved, SignalVetoed,
FlattenOrdered) and `state` (BotStateChanged, RiskLimitHit, DailyCountersReset, ControlActionResult,
Heartbeat). Every decision first brings time-based state up to `now` (day boundary, loss-streak pause),
then handles the event, then re-evaluates the limits, then publishes a Heartbeat if the picture changed.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from governor import exposure
from governor import state as gstate
from governor.commands import Command, handle_command
from governor.limits import advance_day, daily_loss_remaining, entry_veto, pause_until, reconcile
from governor.machine import restart, shutdown, to_error, transition
from governor.sizing import Sizing, Veto, size_entry
from governor.state import SEEN_SETUPS_MAX, GovState, remember
from runtime.core import Decision, Emit
from schemas import streams
from schemas.account import AccountUpdated, FundingBooked, UserStreamChanged
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.feed import FeedRecovered, FeedStale
from schemas.orders import (
    BootChecksCompleted,
    EntryNotPlaced,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SymbolFilters,
    VenueError,
)
from schemas.positions import IncidentReported, PositionClosed, PositionOpened
from schemas.risk import EntryApproved, Heartbeat, RiskLimitHit, SignalVetoed
from schemas.signals import SetupConfirmed
from schemas.types import BotStatus, RejectReason

HEARTBEAT_MS = 5_000
# Venue errors after which the bot must stop trading: an IP ban (HTTP 418, or -1003 "IP banned until"),
# and a key that is invalid or lacks permission (-2015, -2014, -1022, -1002).
FATAL_VENUE_CODES = frozenset({418, -2015, -2014, -1022, -1002})
# Order rejections that say the account is set up in a way this bot cannot trade (not the market's
# doing): position side vs hedge mode (-4061), reduceOnly in hedge mode (-1106), key permissions (-2015,
# -2014, -1022, -1002), isolated margin in Multi-Assets mode (-4168). The bot stops (ERROR) and the
# approval does not count as a trade.
MISCONFIG_CODES = frozenset({-4061, -1106, -2015, -2014, -1022, -1002, -4168})
USER_STREAM_FEED = "ALL/user_data"

Step = tuple[GovState, list[Emit]]


class GovernorCore:
    name: str = "governor"
    inputs: tuple[str, ...] = (streams.SIGNALS, streams.EXECUTIONS, streams.FEED, streams.COMMANDS)

    def __init__(self, config: BotConfig) -> None:
        self.config = config

    def initial_state(self) -> GovState:
        return gstate.initial_state(self.config)

    # --- the core contract -----------------------------------------------------------------------

    def decide(self, state: GovState, event: Envelope, now: int) -> Decision[GovState]:
        state, emits = self._catch_up(state, now)
        state, handled = self._handle(state, event, now)
        state, settled = reconcile(state, now)
        state, beat = self._heartbeat(state, now, force=False)
        return Decision(state, [*emits, *handled, *settled, *beat])

    def on_timer(self, state: GovState, now: int) -> Decision[GovState]:
        due = state.next_heartbeat_ms is not None and now >= state.next_heartbeat_ms
        state, caught = self._catch_up(state, now)
        state, beat = self._heartbeat(state, now, force=due)
        return Decision(state, [*caught, *beat])

    def on_shutdown(self, state: GovState, now: int, cause: str) -> Decision[GovState]:
        """The process is asked to stop: SHUTDOWN, remembering where the next start comes back to (see
        governor/machine.py `restart`). A crash skips this: the snapshot's status simply carries on."""
        return Decision(*shutdown(state, cause))

    def next_deadline(self, state: GovState) -> int | None:
        # after a SHUTDOWN the saved heartbeat deadline is in the past: the first tick restarts
        candidates = (state.next_heartbeat_ms, state.next_day_ms, state.loss_pause_until)
        times = [t for t in candidates if t is not None]
        return min(times) if times else None

    def snapshot(self, state: GovState) -> bytes:
        return gstate.snapshot(state)

    def restore(self, raw: bytes) -> GovState:
        return gstate.restore(raw)

    # --- steps -----------------------------------------------------------------------------------

    def _catch_up(self, state: GovState, now: int) -> Step:
        emits: list[Emit] = []
        if state.status == BotStatus.SHUTDOWN:
            state, emits = restart(state)
        if state.next_heartbeat_ms is None:
            state = replace(state, next_heartbeat_ms=now)
        state, rolled = advance_day(state, now)
        state, settled = reconcile(state, now)
        return state, [*emits, *rolled, *settled]

    def _heartbeat(self, state: GovState, now: int, force: bool) -> Step:
        beat = heartbeat(state)
        if not force and beat == state.last_heartbeat:
            return state, []
        return replace(state, last_heartbeat=beat, next_heartbeat_ms=now + HEARTBEAT_MS), [Emit(beat)]

    def _handle(self, state: GovState, event: Envelope, now: int) -> Step:
        p: Payload = event.payload
        if isinstance(p, SetupConfirmed):
            return decide_setup(state, p, now, event.ts)
        if isinstance(p, Command):
            return handle_command(state, p, now)
        if isinstance(p, FeedStale | FeedRecovered):
            key = f"{p.symbol}/{p.kind}"
            stale = tuple(s for s in state.stale_feeds if s != key)
            return replace(state, stale_feeds=(*stale, key) if isinstance(p, FeedStale) else stale), []
        return on_execution(state, p, now)


def decide_setup(state: GovState, setup: SetupConfirmed, now: int, signal_ts: int) -> Step:
    decided = replace(state, seen_setups=remember(state.seen_setups, setup.setup_id, SEEN_SETUPS_MAX))
    veto = entry_veto(state, setup, now, signal_ts)
    if veto is None:
        assert state.equity is not None
        outcome: Sizing | Veto = size_entry(
            side=setup.side, bid=setup.bid, ask=setup.ask, equity=state.equity, config=state.config,
            filters=state.filters[setup.symbol], risk_budget=daily_loss_remaining(state),
        )
    else:
        outcome = veto
    if isinstance(outcome, Veto):
        if veto is not None and veto.reason == RejectReason.SUPERSEDED:
            decided = state  # a repeat changes nothing
        vetoed = SignalVetoed(setup_id=setup.setup_id, symbol=setup.symbol, side=setup.side,
                              reason=outcome.reason, detail=outcome.detail)
        return decided, [Emit(vetoed, correlation_id=setup.setup_id)]
    config = state.config
    approved = EntryApproved(
        setup_id=setup.setup_id, symbol=setup.symbol, side=setup.side, qty=outcome.qty,
        entry_price=outcome.entry_price, stop_price=outcome.stop_price,
        take_profit_price=outcome.take_profit_price, equity=state.equity, risk_usdt=outcome.risk_usdt,
        effective_risk_pct=outcome.effective_risk_pct, margin_usdt=outcome.margin_usdt,
        leverage=config.leverage, tp_pct=config.execution.tp_pct, sl_pct=config.execution.sl_pct,
        time_stop_seconds=config.execution.time_stop_seconds,
        entry_fill_timeout_ms=config.execution.entry_fill_timeout_ms,
        use_market_if_not_filled=config.execution.use_market_if_not_filled, config_version=config.version,
    )
    decided = exposure.approve(decided, setup.setup_id, setup.symbol, setup.side,
                               config.execution.use_market_if_not_filled)
    decided = replace(decided, trades_today=decided.trades_today + 1)
    return decided, [Emit(approved, correlation_id=setup.setup_id)]


def on_execution(state: GovState, p: Payload, now: int) -> Step:
    if isinstance(p, BootChecksCompleted):
        return boot_checked(state, p)
    if isinstance(p, AccountUpdated):
        start = state.day_start_equity if state.day_start_equity is not None else p.equity
        return replace(state, equity=p.equity, equity_from_venue=True, day_start_equity=start), []
    if isinstance(p, OrderSubmitted):
        return exposure.order_submitted(state, p), []
    if isinstance(p, OrderFilled):
        return exposure.order_filled(state, p), []
    if isinstance(p, OrderCanceled):
        return exposure.order_ended(state, p.setup_id, p.client_order_id, p.filled_qty, rejected=False), []
    if isinstance(p, OrderRejected):
        return order_rejected(state, p)
    if isinstance(p, EntryNotPlaced):
        return refund(state, p.setup_id), []
    if isinstance(p, UserStreamChanged):
        stale = tuple(s for s in state.stale_feeds if s != USER_STREAM_FEED)
        return replace(state, stale_feeds=stale if p.connected else (*stale, USER_STREAM_FEED)), []
    if isinstance(p, FundingBooked):
        return funding_booked(state, p), []
    if isinstance(p, PositionOpened):
        return exposure.position_opened(state, p), []
    if isinstance(p, PositionClosed):
        return position_closed(state, p), []
    if isinstance(p, IncidentReported):
        return incident(state, p)
    if isinstance(p, VenueError):
        return venue_error(state, p)
    return state, []


def boot_checked(state: GovState, boot: BootChecksCompleted) -> Step:
    filters: dict[str, SymbolFilters] = {**state.filters, **{f.symbol: f for f in boot.filters}}
    if not boot.ok:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in boot.checks if not c.ok) or "no detail"
        state = replace(state, boot_ok=False, filters=filters, venue=boot.venue)
        return to_error(state, f"boot checks failed: {failed}", "executor")
    state = replace(state, boot_ok=True, filters=filters, venue=boot.venue)
    if state.status != BotStatus.BOOTING:
        return state, []  # a later boot of the executor: new filters, same status (ERROR is left by resume)
    to = BotStatus.PAUSED_RISK_LIMIT if state.limits_holding else BotStatus.RUNNING
    return transition(state, to, f"executor boot checks passed ({boot.venue})", "executor")


def position_closed(state: GovState, closed: PositionClosed) -> GovState:
    pnl = closed.pnl_usdt
    daily = state.daily_pnl + pnl
    peak = max(state.daily_peak_pnl, daily)
    cooldown = state.config.signal.cooldown_until(closed.closed_ts)
    equity = state.equity
    if not state.equity_from_venue and equity is not None:
        equity += pnl  # paper without account reports: track realized PnL ourselves
    state = exposure.position_closed(state, closed.setup_id)
    cooldown = max(cooldown, state.cooldown_until.get(closed.symbol, 0))
    return replace(
        state, daily_pnl=daily, daily_peak_pnl=peak,
        daily_max_drawdown=max(state.daily_max_drawdown, peak - daily),
        consecutive_losses=state.consecutive_losses + 1 if pnl < 0 else 0, equity=equity,
        cooldown_until={**state.cooldown_until, closed.symbol: cooldown},
    )


def order_rejected(state: GovState, rejected: OrderRejected) -> Step:
    entry = state.entries.get(rejected.setup_id or "")
    was_entry = entry is not None and entry.stage == "pending" and not entry.filled and (
        rejected.client_order_id in dict(entry.live_orders) or not entry.live_orders)
    state = exposure.order_ended(state, rejected.setup_id, rejected.client_order_id, Decimal(0), rejected=True)
    if rejected.code not in MISCONFIG_CODES:
        return state, []
    if was_entry:
        state = replace(state, trades_today=max(0, state.trades_today - 1))  # it never reached the market
    cause = (f"order {rejected.client_order_id} rejected {rejected.code} {rejected.msg}: the account's settings "
             "do not fit this bot (see the boot checks: position mode, permissions, margin type)")
    return to_error(state, cause, "executor")


def refund(state: GovState, setup_id: str) -> GovState:
    """An approved entry the executor did not send: no longer in flight, and not a trade of the day."""
    entry = state.entries.get(setup_id)
    if entry is None or entry.stage != "pending" or entry.filled:
        return state
    state = replace(state, entries={k: v for k, v in state.entries.items() if k != setup_id})
    return replace(state, trades_today=max(0, state.trades_today - 1))


def funding_booked(state: GovState, booked: FundingBooked) -> GovState:
    """Funding on no trade of ours (a position held across a funding time with its trade unknown, or after
    it) counts on the day now; a trade's own funding counts in its PositionClosed."""
    if booked.setup_id is not None:
        return state
    daily = state.daily_pnl + booked.amount_usdt
    peak = max(state.daily_peak_pnl, daily)
    return replace(state, daily_pnl=daily, daily_peak_pnl=peak,
                   daily_max_drawdown=max(state.daily_max_drawdown, peak - daily))


def incident(state: GovState, report: IncidentReported) -> Step:
    if not report.halts:
        return state, []  # recorded (risk_events) and alerted; trading goes on
    emits: list[Emit] = []
    if report.kind == "NAKED_POSITION":
        emits.append(Emit(RiskLimitHit(limit="naked_position", detail=f"{report.detail}; {report.action}")))
    cause = f"incident {report.kind}: {report.detail} (executor: {report.action})"
    state, moved = to_error(state, cause, "executor")
    return state, [*emits, *moved]


def venue_error(state: GovState, error: VenueError) -> Step:
    banned = error.code == 418 or (error.code == -1003 and "banned" in error.msg.lower())
    if not banned and error.code not in FATAL_VENUE_CODES and error.operation != "account":
        return state, []
    emits: list[Emit] = []
    if banned:
        detail = f"{error.operation}: {error.code} {error.msg}"
        emits.append(Emit(RiskLimitHit(limit="venue_ban", detail=detail)))
    state, moved = to_error(state, f"venue error {error.code} on {error.operation}: {error.msg}", "executor")
    return state, [*emits, *moved]


def heartbeat(state: GovState) -> Heartbeat:
    risk = state.config.risk
    remaining = daily_loss_remaining(state)
    return Heartbeat(
        status=state.status, day=state.day, tz=state.config.day_boundary_tz,
        equity=state.equity if state.equity is not None else Decimal(0),
        day_start_equity=state.day_start_equity if state.day_start_equity is not None else Decimal(0),
        daily_pnl=state.daily_pnl, daily_max_drawdown=state.daily_max_drawdown,
        trades_today=state.trades_today, trades_left=max(0, risk.max_trades_per_day - state.trades_today),
        daily_loss_remaining=remaining if remaining is not None else Decimal(0),
        consecutive_losses=state.consecutive_losses, pause_until=pause_until(state),
        open_positions=exposure.describe(state), config_version=state.config.version,
    )


def make_core(config: BotConfig) -> GovernorCore:
    return GovernorCore(config)

