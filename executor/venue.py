"""The venue the executor core trades on, passed to the core at construction: the core is the same for every
venue, only this edge differs (as Nautilus's `LiveRiskEngine(RiskEngine)` adds nothing but queues).

- `PaperVenue` (executor/paper.py): the pure exchange model inside the core; every request is answered in
  the same decision, so a replay fills exactly as the paper session did.
- `ExternalVenue` (executor/external.py): a real exchange the runner talks to; requests wait in the outbox,
  and their answers come back later as recorded inputs on `executions` (source `executor-venue`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from executor.state import ExecState
from runtime.core import Emit
from schemas.config import BotConfig
from schemas.envelope import Payload
from schemas.market import BookTickerUpdated
from schemas.orders import CheckResult

# the core's handling of reports the venue answers with inside a decision: emitted, then fed back
Feed = Callable[[ExecState, Sequence[Payload], int], list[Emit]]


class Venue(Protocol):
    @property
    def name(self) -> Literal["paper", "live"]:
        """`ExecState.mode` and `BootChecksCompleted.venue`."""
        ...

    @property
    def inputs(self) -> tuple[str, ...]:
        """The streams its answers come on, besides the core's own inputs."""
        ...

    def initial_state(self, config: BotConfig) -> ExecState: ...

    def restored(self, state: ExecState) -> ExecState:
        """The state read back from a snapshot, as this venue starts from it."""
        ...

    def boot_due(self, state: ExecState) -> bool:
        """Whether the core's next timer announces the venue's boot (`boot`)."""
        ...

    def boot(self, s: ExecState, mode_check: CheckResult) -> list[Emit]: ...

    def holds_orders(self, s: ExecState, symbol: str) -> bool:
        """Whether a book update of `symbol` may fill something at the venue, inside the decision."""
        ...

    def book_seen(self, s: ExecState, p: BookTickerUpdated) -> None:
        """A book update that fills nothing, on a fresh shallow copy of the state (copy what you change)."""
        ...

    def on_book(self, s: ExecState, p: BookTickerUpdated, now: int) -> list[Payload]:
        """The venue's reports of a book update that may fill."""
        ...

    def perform(self, s: ExecState, now: int, feed: Feed) -> list[Emit]:
        """The queued requests the venue answers now, each answer fed back through `feed`."""
        ...

    def config_changed(self, s: ExecState, old: BotConfig, now: int, may_trade: bool) -> list[Emit]:
        """`s.config` was just published over `old`; `may_trade`: its mode is the process's."""
        ...

    def after_timers(self, s: ExecState, now: int) -> list[Emit]: ...

    def health(self, s: ExecState, key: str, now: int) -> list[Emit]:
        """The operator's health check `key`: answered now, or queued for the venue."""
        ...
