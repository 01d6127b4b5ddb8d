"""Virtual clock: the simulator's notion of exchange time (``/fapi/v1/time``, every ``E``/``T``)."""

from __future__ import annotations

import time
from collections.abc import Callable

# (virtual epoch ms, wall epoch ms): set by the CLI's --clock-origin-ms/--clock-wall-ms so this clock
# shows exactly what the bot's scaled clock (runtime/clock.py, LIQFADE_CLOCK_*) shows at the same instant
_epoch_anchor: tuple[int, int] | None = None


def anchor_to_epoch(origin_ms: int, wall_ms: int) -> None:
    """Clocks made after this run on the wall epoch clock and show ``origin_ms`` at wall ``wall_ms``."""
    global _epoch_anchor
    _epoch_anchor = (origin_ms, wall_ms)


def clear_epoch_anchor() -> None:
    global _epoch_anchor
    _epoch_anchor = None


def anchored_now_ms(speed: float, wall_s: float | None = None) -> float:
    """What an epoch-anchored clock at ``speed`` shows at wall time ``wall_s`` (default now; requires
    :func:`anchor_to_epoch`)."""
    assert _epoch_anchor is not None
    origin, wall = _epoch_anchor
    return origin + ((time.time() if wall_s is None else wall_s) * 1000.0 - wall) * speed


class VirtualClock:
    """Exchange time in epoch ms, running ``speed`` times faster than the wall clock.

    ``speed == 0`` means "as fast as possible": time only moves when playback calls :meth:`set`.
    A frozen clock (before playback starts) does not move at all. After :func:`anchor_to_epoch`, a
    clock made with the default ``wall`` ignores ``start_ms`` and follows the shared anchor instead.
    """

    def __init__(self, start_ms: int, speed: float, wall: Callable[[], float] | None = None) -> None:
        self.speed = speed
        if wall is None and _epoch_anchor is not None and speed > 0:
            self._wall: Callable[[], float] = time.time
            self._anchor_wall = time.time()
            self._anchor_virtual = anchored_now_ms(speed, self._anchor_wall)
        else:
            self._wall = wall or time.monotonic
            self._anchor_virtual = float(start_ms)
            self._anchor_wall = self._wall()
        self.frozen = False

    def now_ms(self) -> int:
        return int(self._now())

    def _now(self) -> float:
        if self.speed <= 0 or self.frozen:
            return self._anchor_virtual
        return self._anchor_virtual + (self._wall() - self._anchor_wall) * 1000.0 * self.speed

    def set(self, virtual_ms: float) -> None:
        """Jump to ``virtual_ms`` and keep running from there."""
        self._anchor_virtual = float(virtual_ms)
        self._anchor_wall = self._wall()

    def freeze(self) -> None:
        self.set(self._now())
        self.frozen = True

    def unfreeze(self) -> None:
        self.set(self._now())
        self.frozen = False

    def set_speed(self, speed: float) -> None:
        self.set(self._now())
        self.speed = speed

    def wall_seconds_until(self, virtual_ms: int) -> float:
        """Wall seconds until the clock reaches ``virtual_ms`` (0 when already there or at max speed)."""
        if self.speed <= 0:
            return 0.0
        return max(0.0, (virtual_ms - self.now_ms()) / 1000.0 / self.speed)
