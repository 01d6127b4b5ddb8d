"""Virtual clock: the simulator's notion of exchange time (``/fapi/v1/time``, every ``E``/``T``)."""

from __future__ import annotations

import time
from collections.abc import Callable


class VirtualClock:
    """Exchange time in epoch ms, running ``speed`` times faster than the wall clock.

    ``speed == 0`` means "as fast as possible": time only moves when playback calls :meth:`set`.
    A frozen clock (before playback starts) does not move at all.
    """

    def __init__(self, start_ms: int, speed: float, wall: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self.speed = speed
        self._anchor_virtual = float(start_ms)
        self._anchor_wall = wall()
        self.frozen = False

    def now_ms(self) -> int:
        if self.speed <= 0 or self.frozen:
            return int(self._anchor_virtual)
        return int(self._anchor_virtual + (self._wall() - self._anchor_wall) * 1000.0 * self.speed)

    def set(self, virtual_ms: int) -> None:
        """Jump to ``virtual_ms`` and keep running from there."""
        self._anchor_virtual = float(virtual_ms)
        self._anchor_wall = self._wall()

    def freeze(self) -> None:
        self.set(self.now_ms())
        self.frozen = True

    def unfreeze(self) -> None:
        self.set(self.now_ms())
        self.frozen = False

    def set_speed(self, speed: float) -> None:
        self.set(self.now_ms())
        self.speed = speed

    def wall_seconds_until(self, virtual_ms: int) -> float:
        """Wall seconds until the clock reaches ``virtual_ms`` (0 when already there or at max speed)."""
        if self.speed <= 0:
            return 0.0
        return max(0.0, (virtual_ms - self.now_ms()) / 1000.0 / self.speed)
