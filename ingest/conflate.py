"""Book-ticker conflation: at most one BookTickerUpdated per symbol per interval, always the latest.

The first update after a quiet interval goes out at once (no added latency); updates inside the
interval replace each other and the survivor goes out when the interval ends. Liquidations and klines
never pass through here.
"""

from __future__ import annotations

from ingest.decode import MdEvent


class BookConflator:
    def __init__(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self._last_emit: dict[str, int] = {}
        self._pending: dict[str, MdEvent] = {}

    def offer(self, event: MdEvent, now: int) -> MdEvent | None:
        """The event to publish now, or None if it is held until the symbol's interval ends."""
        if self.interval_ms <= 0:
            return event
        symbol = event.symbol
        last = self._last_emit.get(symbol)
        if last is None or now - last >= self.interval_ms:
            self._last_emit[symbol] = now
            self._pending.pop(symbol, None)
            return event
        self._pending[symbol] = event
        return None

    def due(self, now: int) -> list[MdEvent]:
        """Held updates whose interval has ended, to publish now."""
        out: list[MdEvent] = []
        for symbol, event in list(self._pending.items()):
            if now - self._last_emit[symbol] >= self.interval_ms:
                out.append(event)
                del self._pending[symbol]
                self._last_emit[symbol] = now
        return out

    def next_deadline(self) -> int | None:
        if not self._pending:
            return None
        return min(self._last_emit[s] + self.interval_ms for s in self._pending)

    def forget(self, symbol: str) -> None:
        """Drop a symbol that is no longer subscribed (a held update for it is discarded)."""
        self._pending.pop(symbol, None)
        self._last_emit.pop(symbol, None)
