"""The risk limits (seed §2.6, DESIGN §5): which hold now, when they end, and what vetoes a new entry.

`reconcile` runs before and after every decision: it expires and starts the loss-streak pause, records
each newly holding limit as a `RiskLimitHit`, and moves RUNNING ⇄ PAUSED_RISK_LIMIT. A manual pause and
ERROR are never left by it: limits only ever add restrictions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from governor.daybook import day_of, next_day_start_ms
from governor.machine import transition
from governor.sizing import Veto
from governor.state import GovState, LimitName
from runtime.core import Emit
from schemas.config import active_symbols
from schemas.risk import DailyCountersReset, RiskLimitHit
from schemas.signals import SetupConfirmed
from schemas.types import BotStatus, RejectReason

LIMIT_REASON: dict[LimitName, RejectReason] = {
    "daily_loss": RejectReason.DAILY_LOSS_LIMIT,
    "consecutive_losses": RejectReason.LOSS_STREAK_PAUSE,
    "max_trades": RejectReason.MAX_TRADES,
}
LIMIT_ORDER: tuple[LimitName, ...] = ("daily_loss", "consecutive_losses", "max_trades")
ALL_SYMBOLS_FEED = "ALL"  # a stale feed of every symbol: the user-data stream ("ALL/user_data")


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


# --- the trading day -----------------------------------------------------------------------------


def start_day(state: GovState, now: int, actor: str, announce: bool) -> tuple[GovState, list[Emit]]:
    """Zero the day's counters; the day starts with the equity known now. The loss-streak pause and the
    consecutive-loss count are not daily counters and run on."""
    tz = state.config.day_boundary_tz
    day = day_of(now, tz)
    new = replace(
        state, day=day, next_day_ms=next_day_start_ms(now, tz), day_start_equity=state.equity,
        daily_pnl=Decimal(0), daily_peak_pnl=Decimal(0), daily_max_drawdown=Decimal(0), trades_today=0,
        daily_loss_latched=False,
    )
    if not announce:
        return new, []
    reset = DailyCountersReset(day=day, tz=tz, actor=actor, day_start_equity=state.equity or Decimal(0))
    return new, [Emit(reset)]


def advance_day(state: GovState, now: int) -> tuple[GovState, list[Emit]]:
    if not state.day:
        return start_day(state, now, "governor", announce=False)
    if state.next_day_ms is not None and now >= state.next_day_ms:
        return start_day(state, now, "governor", announce=True)
    return state, []


def change_zone(state: GovState, now: int) -> GovState:
    """After a config changes day_boundary_tz: relabel the day and move the next boundary, keeping the
    counters (resetting them on a zone change would hand out a fresh loss budget)."""
    tz = state.config.day_boundary_tz
    if not state.day:
        return state
    return replace(state, day=day_of(now, tz), next_day_ms=next_day_start_ms(now, tz))


# --- limits --------------------------------------------------------------------------------------


def daily_loss_limit(state: GovState) -> Decimal | None:
    if state.day_start_equity is None:
        return None
    return state.day_start_equity * state.config.risk.daily_max_loss_pct


def daily_loss_remaining(state: GovState) -> Decimal | None:
    limit = daily_loss_limit(state)
    return None if limit is None else max(Decimal(0), limit + state.daily_pnl)


def daily_loss_reached(state: GovState) -> bool:
    remaining = daily_loss_remaining(state)
    return remaining is not None and remaining <= 0


def holding_limits(state: GovState) -> tuple[LimitName, ...]:
    holding: list[LimitName] = []
    if state.daily_loss_latched:
        holding.append("daily_loss")
    if state.loss_pause_until is not None:
        holding.append("consecutive_losses")
    if state.trades_today >= state.config.risk.max_trades_per_day:
        holding.append("max_trades")
    return tuple(holding)


def limit_until(state: GovState, name: LimitName) -> int | None:
    return state.loss_pause_until if name == "consecutive_losses" else state.next_day_ms


def pause_until(state: GovState) -> int | None:
    ends = [u for u in (limit_until(state, n) for n in state.limits_holding) if u is not None]
    return max(ends) if ends else None


def limit_detail(state: GovState, name: LimitName) -> str:
    risk = state.config.risk
    if name == "daily_loss":
        return (f"daily realized pnl {state.daily_pnl} reached -{daily_loss_limit(state)} "
                f"({risk.daily_max_loss_pct} of day-start equity {state.day_start_equity}); "
                f"no new entries until the day boundary, open positions keep their exits")
    if name == "max_trades":
        return f"{state.trades_today} of {risk.max_trades_per_day} trades today"
    until = state.loss_pause_until
    return (f"{state.consecutive_losses} consecutive losses (max {risk.max_consecutive_losses}); "
            f"paused until {iso(until) if until is not None else '?'}")


def reconcile(state: GovState, now: int) -> tuple[GovState, list[Emit]]:
    risk = state.config.risk
    if state.loss_pause_until is not None and now >= state.loss_pause_until:
        state = replace(state, loss_pause_until=None, consecutive_losses=0)
    if state.loss_pause_until is None and state.consecutive_losses >= risk.max_consecutive_losses:
        state = replace(state, loss_pause_until=now + risk.pause_after_consecutive_losses_minutes * 60_000)
    if not state.daily_loss_latched and daily_loss_reached(state):
        state = replace(state, daily_loss_latched=True)  # a later win does not lift it: only the next day
    holding = holding_limits(state)
    emits = [
        Emit(RiskLimitHit(limit=name, detail=limit_detail(state, name), until_ts=limit_until(state, name)))
        for name in holding if name not in state.limits_holding
    ]
    state = replace(state, limits_holding=holding)
    if state.status == BotStatus.RUNNING and holding:
        state, moved = transition(state, BotStatus.PAUSED_RISK_LIMIT, "risk limit: " + ", ".join(holding))
        emits += moved
    elif state.status == BotStatus.PAUSED_RISK_LIMIT and not holding:
        state, moved = transition(state, BotStatus.RUNNING, "risk limits cleared")
        emits += moved
    return state, emits


# --- vetoes before sizing ------------------------------------------------------------------------


def status_veto(state: GovState) -> Veto | None:
    status = state.status
    if status == BotStatus.RUNNING:
        return None
    if status == BotStatus.PAUSED_MANUAL:
        return Veto(RejectReason.PAUSED, f"paused by operator: {state.status_cause}")
    if status == BotStatus.PAUSED_RISK_LIMIT:
        name: LimitName = next((n for n in LIMIT_ORDER if n in state.limits_holding), "daily_loss")
        return Veto(LIMIT_REASON[name], limit_detail(state, name))
    return Veto(RejectReason.NOT_RUNNING, f"bot is {status.value}: {state.status_cause}")


def entry_veto(state: GovState, setup: SetupConfirmed, now: int, signal_ts: int) -> Veto | None:
    """Everything that stops an entry before its size is computed, most fundamental first."""
    if setup.setup_id in state.seen_setups:
        return Veto(RejectReason.SUPERSEDED, "setup already decided")
    veto = status_veto(state)
    if veto is not None:
        return veto
    if setup.symbol not in active_symbols(state.config):
        detail = f"{setup.symbol} is not enabled in config v{state.config.version}"
        return Veto(RejectReason.SYMBOL_DISABLED, detail)
    # a stale book or kline feed stops entries on its symbol; another symbol's silence says nothing here
    stale = [feed for feed in state.stale_feeds if feed.split("/", 1)[0] in (setup.symbol, ALL_SYMBOLS_FEED)]
    if stale:
        return Veto(RejectReason.FEED_STALE, "stale: " + ", ".join(stale))
    max_age = state.config.signal.stale_data_seconds * 1000
    if now - signal_ts > max_age:
        return Veto(RejectReason.STALE_BOOK, f"signal is {now - signal_ts} ms old (max {max_age})")
    if state.entries:  # one position per symbol and one globally, counting entries in flight
        same = next((e for e in state.entries.values() if e.symbol == setup.symbol), None)
        entry = same or next(iter(state.entries.values()))
        where = "on this symbol" if same else "globally (max 1 position)"
        return Veto(RejectReason.POSITION_OPEN, f"{entry.setup_id} is {entry.stage} {where}")
    until = state.cooldown_until.get(setup.symbol)
    if until is not None and now < until:
        return Veto(RejectReason.COOLDOWN, f"{setup.symbol} cools down until {iso(until)}")
    if setup.symbol not in state.filters:
        return Veto(RejectReason.NO_FILTERS, f"no exchange filters for {setup.symbol}")
    if state.equity is None:
        return Veto(RejectReason.NO_EQUITY, "equity not yet reported by the venue")
    return None
