"""The server's mark price per symbol and its funding clock.

Binance's mark price is built from an index of spot prices and a smoothed premium, so a wick of the last
price moves it little ([doc] reference §2.6 mark price stream; how it is computed is beyond our sources).
We have no index, so the mark is an exponential moving average of the book mid in virtual time with time
constant ``smoothing_s`` (0: the mid itself), times ``1 + premium_bps / 10000`` ([inf]). Between two book
updates the mid is taken to have held still, so a book update moves the mark only once time has passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

FUNDING_INTERVAL_MS = 8 * 3600 * 1000  # 00:00, 08:00, 16:00 UTC ([doc] reference §5b)
MARK_QUANTUM = Decimal("0.00000001")
VALUE_QUANTUM = Decimal("1e-12")


@dataclass
class _Smoothed:
    value: Decimal
    mid: Decimal  # the mid since ``ts``
    ts: int


@dataclass
class MarkTracker:
    smoothing_s: float = 3.0
    premium_bps: Decimal = Decimal(0)
    _state: dict[str, _Smoothed] = field(default_factory=dict)

    def update(self, symbol: str, mid: Decimal, ts: int, instant: bool = False) -> Decimal:
        """A new book mid at ``ts``; returns the mark at ``ts``. ``instant``: the mark jumps to the mid."""
        state = self._state.get(symbol)
        if state is None or self.smoothing_s <= 0 or instant:
            self._state[symbol] = _Smoothed(mid, mid, ts)
        else:
            self._advance(state, ts)
            state.mid = mid
        return self.mark(symbol) or mid

    def advance(self, symbol: str, ts: int) -> Decimal | None:
        """Let time pass with the book unchanged; returns the mark at ``ts``."""
        state = self._state.get(symbol)
        if state is not None:
            self._advance(state, ts)
        return self.mark(symbol)

    def mark(self, symbol: str) -> Decimal | None:
        state = self._state.get(symbol)
        if state is None:
            return None
        return (state.value * (1 + self.premium_bps / 10_000)).quantize(MARK_QUANTUM)

    def mid(self, symbol: str) -> Decimal | None:
        state = self._state.get(symbol)
        return state.mid if state is not None else None

    def _advance(self, state: _Smoothed, ts: int) -> None:
        if ts <= state.ts:
            return
        if self.smoothing_s <= 0:
            state.value, state.ts = state.mid, ts
            return
        weight = Decimal(str(1 - math.exp(-(ts - state.ts) / 1000 / self.smoothing_s)))
        state.value = (state.value + (state.mid - state.value) * weight).quantize(VALUE_QUANTUM)
        state.ts = ts


def next_funding_ms(now: int) -> int:
    return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS


def funding_times(after: int, until: int) -> list[int]:
    """Funding instants in (after, until]."""
    first = next_funding_ms(after)
    return list(range(first, until + 1, FUNDING_INTERVAL_MS))
