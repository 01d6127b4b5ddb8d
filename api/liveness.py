"""The public health answer, computed at most once per period however many ask."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class LivenessCache:
    def __init__(self, period_s: float = 2.0) -> None:
        self.period_s = period_s
        self._lock = asyncio.Lock()
        self._at = float("-inf")
        self._up = False

    async def up(self, check: Callable[[], Awaitable[bool]]) -> bool:
        async with self._lock:  # concurrent callers wait for one check instead of each running it
            if time.monotonic() - self._at >= self.period_s:
                self._up = await check()
                self._at = time.monotonic()
            return self._up
