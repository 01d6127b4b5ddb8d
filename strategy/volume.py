"""Volume confirmation: the spike candle's volume against the mean of the closed candles before it."""

from __future__ import annotations

from collections.abc import Reversible
from decimal import Decimal

from strategy.state import MINUTE_MS, Candle


def lookback_mean(candles: Reversible[Candle], spike_open: int, lookback: int) -> tuple[Decimal | None, int]:
    """Mean volume of the `lookback` closed candles immediately before the spike candle, and how many of
    them are present. The candles must be contiguous: a gap means the mean is unknown (None)."""
    expected = spike_open - MINUTE_MS
    total = Decimal(0)
    have = 0
    for candle in reversed(candles):
        if candle[0] >= spike_open:
            continue
        if candle[0] != expected:
            break
        total += candle[5]
        have += 1
        expected -= MINUTE_MS
        if have == lookback:
            return total / lookback, have
    return None, have


def observed_mult(volume: Decimal, mean: Decimal) -> float:
    return float(volume / mean) if mean > 0 else 0.0


def volume_passes(volume: Decimal, mean: Decimal, mult: Decimal) -> bool:
    """volume ≥ mult x mean; a zero mean (no trading at all) never confirms anything."""
    return mean > 0 and volume >= mult * mean
