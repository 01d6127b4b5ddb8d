"""The spike detector: a rolling USD sum of liquidations over (T - w, T] and its threshold crossings.

O(1) amortised per liquidation: each entry is appended once and evicted once, and the running sum is
exact (Decimal in a 50-digit context), so it always equals the sum of the entries in the window.

The window's right edge T is the latest exchange time seen on this symbol and side (`high_water`).
Snapshots arrive over several websocket connections and can be a few ms out of order: a late entry is
inserted in order from the right (a step or two at most), and one older than the left edge is dropped.
Between arrivals the sum can only fall, so "it fell below the threshold since the last crossing" is
exactly "after evicting up to T, and before adding the new entry, it is below": that re-arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from strategy.state import USD, Window


@dataclass(frozen=True, slots=True)
class Crossing:
    trigger_ts: int  # exchange time of the liquidation whose arrival crossed the threshold
    liq_usd: Decimal
    liq_count: int
    window_start_ts: int  # exchange time of the oldest liquidation in the window


def observe(window: Window, ts: int, usd: Decimal, width_ms: int, threshold: Decimal) -> Crossing | None:
    """Add one liquidation; return the crossing it caused, if any."""
    if ts > window.high_water:
        window.high_water = ts
    left_edge = window.high_water - width_ms
    entries = window.entries
    total = window.total
    while entries and entries[0][0] <= left_edge:
        total = USD.subtract(total, entries.popleft()[1])
    if total < threshold:
        window.armed = True
    if ts <= left_edge:  # arrived after its own window had passed: it can no longer count
        window.total = total
        return None
    if not entries or entries[-1][0] <= ts:
        entries.append((ts, usd))
    else:
        at = len(entries) - 1
        while at > 0 and entries[at - 1][0] > ts:
            at -= 1
        entries.insert(at, (ts, usd))
    total = USD.add(total, usd)
    window.total = total
    if not window.armed or total < threshold:
        return None
    window.armed = False
    # Setup ids are <SYMBOL>-<SIDE>-<T>: a re-crossing triggered by an out-of-order entry older than the
    # previous trigger would reuse an id, so it takes the next free millisecond instead.
    trigger = ts if ts > window.last_trigger else window.last_trigger + 1
    window.last_trigger = trigger
    return Crossing(trigger, total, len(entries), entries[0][0])
