"""The clocks: wall, scaled (shared through the environment), and how the consumer waits under them."""

from __future__ import annotations

import time

import pytest

from runtime.clock import (
    ENV_SPEED,
    ENV_WALL_MS,
    ScaledClock,
    WallClock,
    clock_from_env,
    clock_speed,
    scaled_env,
    wall_seconds,
)
from runtime.core_handler import CoreConsumer
from tests.runtime.counting_core import CountingCore, CountState


def test_clock_from_env_when_nothing_set_is_the_wall_clock() -> None:
    clock = clock_from_env({})

    assert isinstance(clock, WallClock)
    assert abs(clock.now_ms() - time.time() * 1000) < 50


def test_clock_from_env_when_speed_is_one_and_no_origin_is_the_wall_clock() -> None:
    assert isinstance(clock_from_env({ENV_SPEED: "1"}), WallClock)


def test_clock_from_env_when_scaled_without_anchor_refuses() -> None:
    with pytest.raises(ValueError, match=ENV_WALL_MS):
        clock_from_env({ENV_SPEED: "30"})


def test_scaled_env_when_read_back_gives_the_same_clock() -> None:
    clock = clock_from_env(scaled_env(30, 1_000_000, 2_000_000))

    assert isinstance(clock, ScaledClock)
    assert (clock.speed, clock.origin_ms, clock.wall_ms) == (30.0, 1_000_000, 2_000_000)


def test_scaled_clock_when_read_runs_speed_times_the_wall_from_its_origin() -> None:
    wall = time.time_ns() // 1_000_000
    clock = ScaledClock(60, origin_ms=5_000_000, wall_ms=wall)

    before = time.time_ns()
    shown = clock.now_ms()
    after = time.time_ns()

    assert 5_000_000 + (before - wall * 1_000_000) * 60 // 1_000_000 <= shown
    assert shown <= 5_000_000 + (after - wall * 1_000_000) * 60 // 1_000_000


def test_scaled_clocks_when_anchored_alike_agree() -> None:
    env = scaled_env(45, 1_700_000_000_000, time.time_ns() // 1_000_000)
    first, second = clock_from_env(env), clock_from_env(env)

    assert abs(first.now_ms() - second.now_ms()) <= 1


def test_scaled_clock_when_speed_not_positive_refuses() -> None:
    with pytest.raises(ValueError):
        ScaledClock(0, 0, 0)


def test_wall_seconds_when_scaled_divides_by_the_speed() -> None:
    assert wall_seconds(ScaledClock(20, 0, 0), 1000) == pytest.approx(0.05)
    assert wall_seconds(WallClock(), 1000) == 1.0
    assert clock_speed(WallClock()) == 1.0


def test_scaled_clock_wall_ms_at_when_asked_inverts_now() -> None:
    clock = ScaledClock(10, origin_ms=1_000, wall_ms=500)

    assert clock.wall_ms_at(2_000) == 600


def test_consumer_wait_ms_when_clock_scaled_waits_the_wall_time_to_the_deadline(redis_client: object) -> None:
    core = CountingCore(report_every_ms=1000)
    runner = CoreConsumer(core, redis_client, clock=ScaledClock(10, 0, 0))  # type: ignore[arg-type]
    runner.state = CountState(next_report=10_200)

    assert runner.wait_ms(10_000) == 20  # 200 ms of clock time at 10x
    assert runner.wait_ms(10_199) == 1
    assert runner.wait_ms(0) == runner.block_ms


def test_consumer_wait_ms_when_wall_clock_waits_until_the_deadline(redis_client: object) -> None:
    core = CountingCore(report_every_ms=1000)
    runner = CoreConsumer(core, redis_client, clock=WallClock())  # type: ignore[arg-type]
    runner.state = CountState(next_report=10_037)

    assert runner.wait_ms(10_000) == 37
