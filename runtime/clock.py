"""Time comes from a clock: the wall clock live, a virtual clock in replay and tests, and a scaled clock
when the whole system runs a virtual day fast (benchmarks, soak tests).

The scaled clock is shared by every process through the environment:

    LIQFADE_CLOCK_SPEED      virtual ms per wall ms (default 1: the wall clock, nothing else changes)
    LIQFADE_CLOCK_ORIGIN_MS  the virtual epoch ms at the anchor (default: the anchor itself)
    LIQFADE_CLOCK_WALL_MS    the wall epoch ms of the anchor (required when the speed is not 1)

    now = ORIGIN_MS + (wall now − WALL_MS) × SPEED

Every process reads the same kernel wall clock (`time.time_ns`) and applies the same formula, so they
agree to the microsecond without talking to each other. The simulator takes the same anchor by flags
(`--speed S --clock-origin-ms O --clock-wall-ms W`). Waits that mean "until bot time T" are wall waits
of (T − now) / SPEED (`wall_seconds`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Protocol

ENV_SPEED = "LIQFADE_CLOCK_SPEED"
ENV_ORIGIN_MS = "LIQFADE_CLOCK_ORIGIN_MS"
ENV_WALL_MS = "LIQFADE_CLOCK_WALL_MS"


class Clock(Protocol):
    def now_ms(self) -> int: ...


class WallClock:
    speed = 1.0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ScaledClock:
    """Epoch ms running `speed` times faster than the wall clock, anchored at (origin_ms, wall_ms)."""

    def __init__(self, speed: float, origin_ms: int, wall_ms: int) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be > 0, not {speed}")
        self.speed = float(speed)
        self.origin_ms = origin_ms
        self.wall_ms = wall_ms
        self._wall_ns = wall_ms * 1_000_000

    def now_ms(self) -> int:
        return self.origin_ms + int((time.time_ns() - self._wall_ns) * self.speed) // 1_000_000

    def wall_ms_at(self, clock_ms: float) -> float:
        """The wall epoch ms (fractional) at which this clock shows `clock_ms`."""
        return self.wall_ms + (clock_ms - self.origin_ms) / self.speed


class VirtualClock:
    """A clock that moves only when told to. Never goes backwards."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance_to(self, ts_ms: int) -> None:
        self._now = max(self._now, ts_ms)


def clock_from_env(environ: Mapping[str, str] | None = None) -> WallClock | ScaledClock:
    """The process's clock: the wall clock unless LIQFADE_CLOCK_* ask for a scaled one."""
    env = os.environ if environ is None else environ
    speed = float(env.get(ENV_SPEED) or 1)
    origin, wall = env.get(ENV_ORIGIN_MS), env.get(ENV_WALL_MS)
    if speed == 1 and not origin:
        return WallClock()
    if not wall:
        raise ValueError(f"{ENV_SPEED}={speed} needs {ENV_WALL_MS} (the wall epoch ms every process anchors to)")
    return ScaledClock(speed, int(origin or wall), int(wall))


def scaled_env(speed: float, origin_ms: int, wall_ms: int) -> dict[str, str]:
    """The environment that gives every process the same scaled clock."""
    return {ENV_SPEED: repr(float(speed)), ENV_ORIGIN_MS: str(origin_ms), ENV_WALL_MS: str(wall_ms)}


_process_clock: WallClock | ScaledClock | None = None


def system_clock() -> WallClock | ScaledClock:
    """The clock of this process (read from the environment once)."""
    global _process_clock
    if _process_clock is None:
        _process_clock = clock_from_env()
    return _process_clock


def clock_speed(clock: Clock) -> float:
    """Clock ms per wall ms (a clock without a speed, e.g. a virtual one, counts as real time)."""
    return float(getattr(clock, "speed", 1.0))


def wall_seconds(clock: Clock, clock_ms: float) -> float:
    """Wall seconds that `clock_ms` of `clock`'s time take."""
    return clock_ms / 1000.0 / clock_speed(clock)
