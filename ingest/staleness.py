"""Which book and kline streams have gone silent (DESIGN §7). Liquidations are legitimately silent.

Silence is judged on receive time: exchange time can jump (a simulator at max speed) or stop, the
local clock cannot. Each stream is FeedStale once when it passes `stale_ms` and FeedRecovered once when
its next frame arrives.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.feed import FeedKind, FeedRecovered, FeedStale

WATCHED: tuple[FeedKind, ...] = ("book", "kline")
Key = tuple[str, FeedKind]


class StalenessTracker:
    def __init__(self, stale_ms: int) -> None:
        self.stale_ms = stale_ms
        self._last: dict[Key, int] = {}
        self._stale: set[Key] = set()

    def watch(self, symbols: Iterable[str], now: int) -> None:
        """Track exactly these symbols; a newly watched stream's silence counts from `now`."""
        keys = [(s, kind) for s in symbols for kind in WATCHED]
        for key in list(self._last):
            if key not in keys:
                del self._last[key]
                self._stale.discard(key)
        for key in keys:
            self._last.setdefault(key, now)

    def seen(self, symbol: str, kind: FeedKind, now: int) -> FeedRecovered | None:
        key = (symbol, kind)
        previous = self._last.get(key)
        if previous is None:
            return None
        self._last[key] = now
        if key in self._stale:
            self._stale.discard(key)
            return FeedRecovered(symbol=symbol, kind=kind, silent_ms=now - previous)
        return None

    def check(self, now: int) -> list[FeedStale]:
        out: list[FeedStale] = []
        for key, last in self._last.items():
            if key not in self._stale and now - last > self.stale_ms:
                self._stale.add(key)
                out.append(FeedStale(symbol=key[0], kind=key[1], silent_ms=now - last))
        return out

    def next_deadline(self) -> int | None:
        times = [last + self.stale_ms + 1 for key, last in self._last.items() if key not in self._stale]
        return min(times) if times else None

    def is_stale(self, symbol: str, kind: FeedKind) -> bool:
        return (symbol, kind) in self._stale
