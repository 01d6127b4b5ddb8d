"""The external venue: a real exchange (Binance) the runner talks to (executor/venue.py).

The core only queues: every request waits in the outbox, the runner performs it (executor/live.py) and the
answer comes back later as a recorded input on `executions` (source `executor-venue`), which the core takes
like any other event. The boot checks, reconcile and the user-data stream are the runner's.
"""

from __future__ import annotations

from typing import Literal

from executor import account
from executor.outbox import submit
from executor.state import ExecState, Request
from executor.venue import Feed
from runtime.core import Emit
from schemas.config import BotConfig
from schemas.envelope import Payload
from schemas.market import BookTickerUpdated
from schemas.orders import CheckResult
from schemas.streams import EXECUTIONS


class ExternalVenue:
    inputs: tuple[str, ...] = (EXECUTIONS,)

    @property
    def name(self) -> Literal["live"]:
        return "live"

    def initial_state(self, config: BotConfig) -> ExecState:
        # no filters until the exchange's come with its boot checks: live trades only on those
        return ExecState(mode="live", config=config)

    def restored(self, state: ExecState) -> ExecState:
        return state

    def boot_due(self, state: ExecState) -> bool:
        return False  # the runner boots the venue and reports it (BootChecksCompleted)

    def boot(self, s: ExecState, mode_check: CheckResult) -> list[Emit]:
        return []

    def holds_orders(self, s: ExecState, symbol: str) -> bool:
        return False  # the exchange matches on its own book

    def book_seen(self, s: ExecState, p: BookTickerUpdated) -> None:
        return None

    def on_book(self, s: ExecState, p: BookTickerUpdated, now: int) -> list[Payload]:
        return []

    def perform(self, s: ExecState, now: int, feed: Feed) -> list[Emit]:
        return []  # a request leaves the outbox when its answer comes back through `decide`

    def config_changed(self, s: ExecState, old: BotConfig, now: int, may_trade: bool) -> list[Emit]:
        return account.settings_changed(s, old, s.config, now) if may_trade else []

    def after_timers(self, s: ExecState, now: int) -> list[Emit]:
        return account.apply_settings(s, s.config, now)

    def health(self, s: ExecState, key: str, now: int) -> list[Emit]:
        return submit(s, Request("health", key, created=now))
