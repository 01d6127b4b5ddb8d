"""Exhaustion: the extreme since the spike, and closed candles that fail to extend it (DESIGN §4).

LONG setups follow the low, SHORT setups the high. The spike candle's close starts the tracking; each
later closed candle either sets a new extreme (the quiet count resets to 0) or does not (+1). The
optional velocity-decay variant asks the candle bodies |close - open| of the extreme candle and the quiet
candles after it to shrink strictly, one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import pairwise
from typing import Final

from strategy.state import MINUTE_MS, Candle, Pending

OPEN: Final = 1
HIGH: Final = 2
LOW: Final = 3
CLOSE: Final = 4


def start(pending: Pending, spike: Candle, history: Iterable[Candle]) -> None:
    """Begin tracking at the spike candle's close. The impulse starts at the open of the candle in which
    the liquidation window started (or the spike candle's own open when that one is not kept)."""
    pending.extreme = spike[LOW] if pending.side == "LONG" else spike[HIGH]
    pending.quiet = 0
    pending.bodies = [abs(spike[CLOSE] - spike[OPEN])]
    start_open = pending.window_start_ts - pending.window_start_ts % MINUTE_MS
    pending.ref_price = next((c[OPEN] for c in history if c[0] == start_open), spike[OPEN])


def extend(pending: Pending, candle: Candle, needed: int) -> bool:
    """Fold in one closed candle after the spike candle. True once `needed` quiet candles are in a row."""
    assert pending.extreme is not None
    body = abs(candle[CLOSE] - candle[OPEN])
    if pending.side == "LONG":
        new_extreme = candle[LOW] < pending.extreme
        price = candle[LOW]
    else:
        new_extreme = candle[HIGH] > pending.extreme
        price = candle[HIGH]
    if new_extreme:
        pending.extreme = price
        pending.quiet = 0
        pending.bodies = [body]
        return False
    pending.quiet += 1
    pending.bodies = [*pending.bodies, body][-(needed + 1):]
    return pending.quiet >= needed


def velocity_decays(bodies: list[Decimal]) -> bool:
    return len(bodies) >= 2 and all(a > b for a, b in pairwise(bodies))


def impulse_move_pct(pending: Pending) -> float:
    """Percent move from the start of the spike to the extreme, positive in the direction of the flush."""
    if pending.ref_price is None or pending.extreme is None or pending.ref_price <= 0:
        return 0.0
    ref, extreme = pending.ref_price, pending.extreme
    move = ref - extreme if pending.side == "LONG" else extreme - ref
    return float(move / pending.ref_price * 100)
