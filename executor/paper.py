"""The paper venue: the pure exchange model inside the executor core (executor/venue.py).

Every request is performed in the same decision and its reports are emitted and fed back at once, so
`liqfade replay` fills exactly as the paper session did. The venue announces its own boot (filters,
commission, leverage: nothing to ask a network for) and answers the operator's health check itself.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Literal

from executor import exits
from executor.filters import default_filters
from executor.paper_orders import PaperOrders, configure, new_account
from executor.state import ExecState
from executor.venue import Feed
from runtime.core import Emit
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Payload
from schemas.market import BookTickerUpdated
from schemas.orders import BootChecksCompleted, CheckResult, HealthCheckResult, SymbolFilters

HEALTH_CHECKS = (
    CheckResult(name="connectivity", ok=True, detail="paper venue: no network"),
    CheckResult(name="clock_skew", ok=True, detail="paper venue: event time"),
    CheckResult(name="permissions", ok=True, detail="paper venue: none needed"),
    CheckResult(name="rate_limit", ok=True, detail="paper venue: unlimited"),
)


class PaperVenue:
    """`filters`: the symbol rules to trade on (None: the built-in table) and where they came from, for the
    boot report. `reboot_on_restore`: a state read back from a snapshot announces its boot again (the paper
    runner does, on every start)."""

    inputs: tuple[str, ...] = ()

    def __init__(self, filters: tuple[SymbolFilters, ...] | None = None,
                 filters_source: str = "built-in defaults", *, reboot_on_restore: bool = False) -> None:
        self.filters = filters
        self.filters_source = filters_source
        self.reboot_on_restore = reboot_on_restore

    @property
    def name(self) -> Literal["paper"]:
        return "paper"

    def initial_state(self, config: BotConfig) -> ExecState:
        filters = self.filters if self.filters is not None else default_filters(config)
        # no stream to lose: the paper venue reports inside the decision
        return ExecState(mode="paper", config=config, filters={f.symbol: f for f in filters},
                         equity=config.paper.starting_equity_usdt, paper=new_account(config, filters),
                         stream_up=True)

    def restored(self, state: ExecState) -> ExecState:
        if self.reboot_on_restore:
            state.booted = False
        return state

    def boot_due(self, state: ExecState) -> bool:
        return not state.booted

    def boot(self, s: ExecState, mode_check: CheckResult) -> list[Emit]:
        s.booted = True
        config = s.config
        symbols = active_symbols(config)
        missing = [sym for sym in symbols if sym not in s.filters]
        checks = (
            mode_check,
            CheckResult(name="leverage", ok=True, detail=f"paper: {config.leverage}x on {', '.join(symbols)}"),
            CheckResult(name="filters", ok=not missing,
                        detail=filters_detail(self.filters_source, missing)),
            CheckResult(name="commission", ok=True, detail=f"paper maker {config.paper.maker_fee_rate} "
                                                           f"taker {config.paper.taker_fee_rate}"),
            CheckResult(name="permissions", ok=True, detail="paper venue: none needed"),
            CheckResult(name="reconcile", ok=True, detail=f"{sum(t.stage != 'DONE' for t in s.trades.values())} "
                                                          "open trades adopted from the snapshot"),
        )
        boot = BootChecksCompleted(ok=not missing and mode_check.ok, venue="paper", checks=checks,
                                   filters=tuple(f for f in s.filters.values() if f.symbol in symbols))
        return [Emit(boot), Emit(exits.account_payload(s))]

    def holds_orders(self, s: ExecState, symbol: str) -> bool:
        acct = s.paper
        assert acct is not None
        return any(o.symbol == symbol and o.is_open for o in acct.orders.values()) or any(
            a.symbol == symbol and a.status == "NEW" for a in acct.algos.values())

    def book_seen(self, s: ExecState, p: BookTickerUpdated) -> None:
        assert s.paper is not None
        acct = copy.copy(s.paper)
        acct.books = {**acct.books, p.symbol: (p.bid, p.ask)}
        acct.book_qty = {**acct.book_qty, p.symbol: (p.bid_qty, p.ask_qty)}
        s.paper = acct

    def on_book(self, s: ExecState, p: BookTickerUpdated, now: int) -> list[Payload]:
        return PaperOrders(s).on_book(p.symbol, p.bid, p.ask, p.bid_qty, p.ask_qty, now)

    def perform(self, s: ExecState, now: int, feed: Feed) -> list[Emit]:
        emits: list[Emit] = []
        while s.outbox:
            req = s.outbox.pop(0)
            emits += feed(s, PaperOrders(s).perform(req, now), now)
        return emits

    def config_changed(self, s: ExecState, old: BotConfig, now: int, may_trade: bool) -> list[Emit]:
        assert s.paper is not None
        configure(s.paper, s.config)
        return []

    def after_timers(self, s: ExecState, now: int) -> list[Emit]:
        return []

    def health(self, s: ExecState, key: str, now: int) -> list[Emit]:
        return [Emit(HealthCheckResult(idempotency_key=key, ok=True, checks=HEALTH_CHECKS))]


def filters_detail(source: str, missing: Sequence[str]) -> str:
    """The paper boot's filters check: where the filters came from, then the active symbols without one."""
    return source + (f"; missing {list(missing)}" if missing else "")
