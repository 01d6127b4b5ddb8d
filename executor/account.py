"""The account as the exchange books it: the wallet and unrealized PnL it reports (equity is re-based on
every report), funding payments (booked on the open trade, else on the day), the user-data stream's
health, and the leverage and margin type the config asks for."""

from __future__ import annotations

from executor.exits import account_payload, open_trade
from executor.outbox import emit, submit
from executor.state import ExecState, Request
from runtime.core import Emit
from schemas.account import BalanceReported, FundingBooked, FundingCharged, UserStreamChanged
from schemas.config import BotConfig
from schemas.positions import IncidentReported

FULL_READS = ("PERIODIC", "BOOT")  # reports that list every position's unrealized PnL, not only changes


def balance(state: ExecState, report: BalanceReported) -> list[Emit]:
    before = account_payload(state) if state.wallet is not None else None
    if report.wallet_usdt is not None:
        state.wallet = report.wallet_usdt
    elif state.wallet is None:
        return []  # nothing to base an equity on yet
    if report.available_usdt is not None:
        state.available = report.available_usdt
    if report.unrealized_usdt is not None:
        full = report.reason in FULL_READS
        state.unrealized = dict(report.unrealized_usdt) if full else {**state.unrealized, **report.unrealized_usdt}
    after = account_payload(state)
    return [] if after == before else [emit(after, None)]


def funding(state: ExecState, report: FundingCharged) -> list[Emit]:
    """A funding payment belongs to the trade holding that symbol (or, when the exchange names no symbol,
    the one open trade), else to the day."""
    if report.symbol is not None and report.symbol not in state.filters:
        return []  # a position in a symbol we do not trade: not ours (its payment shows in the wallet)
    t = open_trade(state, report.symbol) if report.symbol is not None else None
    if t is None and report.symbol is None:
        holding = [x for x in state.trades.values() if x.stage != "DONE" and x.position > 0]
        t = holding[0] if len(holding) == 1 else None
    if t is not None and t.position <= 0:
        t = None
    if t is not None:
        t.funding += report.amount_usdt
    booked = FundingBooked(setup_id=t.setup_id if t else None, symbol=report.symbol or (t.symbol if t else None),
                           amount_usdt=report.amount_usdt)
    return [emit(booked, t.setup_id if t else None)]


def stream_changed(state: ExecState, report: UserStreamChanged) -> list[Emit]:
    state.stream_up = report.connected
    return []


def settings_changed(state: ExecState, old: BotConfig, new: BotConfig, now: int) -> list[Emit]:
    """A published config that changes the leverage or margin type is applied at the venue at once, or
    once no trade is open (the API refuses such a publish while a position is open; this covers the race)."""
    if (old.leverage, old.margin_type) == (new.leverage, new.margin_type) and not state.account_due:
        return []
    state.account_due = True
    return apply_settings(state, new, now)


def apply_settings(state: ExecState, config: BotConfig, now: int) -> list[Emit]:
    if not state.account_due or any(t.stage != "DONE" for t in state.trades.values()):
        return []
    state.account_due = False
    state.accounts += 1
    return submit(state, Request("account", f"account-{state.accounts}", leverage=config.leverage,
                                 margin_type=config.margin_type, purpose=f"config v{config.version}",
                                 created=now))


def mode_mismatch(config: BotConfig, mode: str) -> list[Emit]:
    """config.mode must say what TRADING_MODE runs: a live config on a paper executor (or the reverse) is a
    mistake an operator must see, never a silent switch."""
    if config.mode == mode:
        return []
    return [emit(IncidentReported(
        kind="MODE_MISMATCH", symbol=None, setup_id=None,
        detail=f"config v{config.version} says mode={config.mode} but this executor runs TRADING_MODE={mode}",
        action=f"no new entries: publish a config with mode={mode}, or restart with TRADING_MODE={config.mode}"),
        None)]
