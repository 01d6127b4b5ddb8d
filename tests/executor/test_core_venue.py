"""The core with its venue passed in: the config it runs lives in its state, restarts boot by construction."""

from __future__ import annotations

from decimal import Decimal

from executor.core import ExecutorCore
from executor.external import ExternalVenue
from executor.paper import PaperVenue
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.orders import BootChecksCompleted
from schemas.streams import EXECUTIONS
from tests.executor.events import T0, env


def published(config: BotConfig) -> ConfigPublished:
    return ConfigPublished(idempotency_key=f"cfg-{config.version}", actor="op", version=config.version,
                           config=config)


def test_config_published_when_decided_changes_the_state_and_leaves_the_core_as_built() -> None:
    started = BotConfig(version=1)
    core = ExecutorCore(started, PaperVenue())
    state = core.on_timer(core.initial_state(), T0).state
    newer = BotConfig(version=2, leverage=3)
    after = core.decide(state, env(published(newer), T0 + 1, "api"), T0 + 1).state
    assert after.config == newer and state.config == started and core.config == started
    assert after.paper is not None and after.paper.default_leverage == 3


def test_restore_when_snapshot_or_process_config_is_newer_runs_the_newer_one() -> None:
    core = ExecutorCore(BotConfig(version=2), ExternalVenue())
    saved = core.initial_state()
    saved.config = BotConfig(version=3, leverage=3)
    assert core.restore(core.snapshot(saved)).config.version == 3
    saved.config = BotConfig(version=1)
    assert core.restore(core.snapshot(saved)).config == BotConfig(version=2)


def test_paper_venue_when_built_to_reboot_on_restore_announces_its_boot_after_a_restart() -> None:
    for reboot, boots in ((True, 1), (False, 0)):
        core = ExecutorCore(BotConfig(), PaperVenue(reboot_on_restore=reboot))
        state = core.restore(core.snapshot(core.on_timer(core.initial_state(), T0).state))
        out = core.on_timer(state, T0 + 1).emits
        assert sum(isinstance(e.payload, BootChecksCompleted) for e in out) == boots


def test_venues_when_built_say_which_streams_their_answers_come_on() -> None:
    assert EXECUTIONS in ExecutorCore(BotConfig(), ExternalVenue()).inputs
    assert EXECUTIONS not in ExecutorCore(BotConfig(), PaperVenue()).inputs
    assert ExecutorCore(BotConfig(), PaperVenue()).initial_state().equity == BotConfig().paper.starting_equity_usdt
    assert ExecutorCore(BotConfig(), ExternalVenue()).initial_state().equity == Decimal(0)
