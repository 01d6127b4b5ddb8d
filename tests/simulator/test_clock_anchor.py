"""The simulator's clock on the bot's scaled clock: same anchor, same time (runtime/clock.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from runtime.clock import ScaledClock
from simulator.cli import config_from_args
from simulator.clock import VirtualClock, anchor_to_epoch, clear_epoch_anchor


@pytest.fixture(autouse=True)
def _no_anchor_left() -> Iterator[None]:
    yield
    clear_epoch_anchor()


def test_virtual_clock_when_anchored_to_epoch_shows_what_the_bot_clock_shows() -> None:
    wall = time.time_ns() // 1_000_000 - 2_000
    anchor_to_epoch(1_700_000_000_000, wall)
    bot = ScaledClock(40, 1_700_000_000_000, wall)

    sim = VirtualClock(0, 40)  # start_ms is ignored once anchored

    assert abs(sim.now_ms() - bot.now_ms()) <= 2
    sim.freeze()
    sim.unfreeze()
    assert abs(sim.now_ms() - bot.now_ms()) <= 2


def test_virtual_clock_when_not_anchored_starts_at_start_ms() -> None:
    clock = VirtualClock(5_000, 1.0)

    assert 5_000 <= clock.now_ms() < 5_500


def test_cli_when_clock_flags_given_starts_the_scenario_on_the_shared_clock() -> None:
    wall = time.time_ns() // 1_000_000
    config = config_from_args(["--scenario", "e2e_tp", "--live-at", "1200", "--speed", "30",
                               "--clock-origin-ms", str(wall), "--clock-wall-ms", str(wall)])
    bot = ScaledClock(30, wall, wall)

    assert config.speed == 30
    assert config.start_ms is not None and abs(config.start_ms - bot.now_ms()) < 500
    assert config.scenario_start_ms == config.start_ms - 1_200_000


def test_cli_when_live_at_without_clock_flags_plays_in_wall_time() -> None:
    before = int(time.time() * 1000)
    config = config_from_args(["--scenario", "e2e_tp", "--live-at", "1200", "--speed", "30"])

    assert config.speed == 1.0
    assert config.start_ms is not None and before <= config.start_ms <= before + 1_000
