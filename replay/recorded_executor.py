"""The executor core as a recorded session ran it, for an incident replay with recorded timing.

The caller passes `executor_as_recorded` to the incident replay (replay/cores.py: RecordedCore), which
knows nothing of the executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from executor.core import VENUE_SOURCE, ExecutorCore
from executor.external import ExternalVenue
from executor.paper import PaperVenue, filters_detail
from runtime.core import Core
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Envelope
from schemas.orders import BootChecksCompleted


def executor_as_recorded(config: BotConfig, recorded: Sequence[Envelope]) -> Core[Any] | None:
    """The executor core the session ran, when the record says (None: it does not).

    Live, the venue's answers are in the record (source `executor-venue`) and the core is the live one:
    it takes those answers as inputs. In paper, the runner read the filters from the venue at start and
    the core announced them in its BootChecksCompleted; the replayed core gets the same ones.
    """
    if any(e.source == VENUE_SOURCE for e in recorded):
        return ExecutorCore(config, ExternalVenue(), trading_mode="live")
    boot = next((e.payload for e in recorded if e.source == "executor" and isinstance(e.payload, BootChecksCompleted)
                 and e.payload.venue == "paper"), None)
    if boot is None:
        return None
    # as the paper runner runs it (executor/runner.py): a restart boots again
    venue = PaperVenue(boot.filters, filters_source(boot, config), reboot_on_restore=True)
    return ExecutorCore(config, venue, trading_mode="paper")


def filters_source(boot: BootChecksCompleted, config: BotConfig) -> str:
    """Where the paper runner's filters came from, as the boot's filters check named it: the check's detail
    less the note the core adds for the active symbols that have no filter (rendered, not searched for)."""
    detail = next((c.detail for c in boot.checks if c.name == "filters"), "")
    held = {f.symbol for f in boot.filters}
    return detail.removesuffix(filters_detail("", [s for s in active_symbols(config) if s not in held]))
