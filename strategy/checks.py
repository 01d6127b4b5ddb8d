"""The gates a setup passes: at detection (symbol, feed, cooldown, one pending per symbol) and at
confirmation (cooldown, momentum, book age, spread). Each returns the rejection or None."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from schemas.config import BotConfig
from schemas.types import RejectReason
from strategy.exhaustion import velocity_decays
from strategy.state import Pending, SymbolState

BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectReason
    detail: str
    measured: dict[str, str] = field(default_factory=dict)


def spread_bps(bid: Decimal, ask: Decimal) -> Decimal:
    """(ask - bid) / mid x 10⁴."""
    return (ask - bid) / ((ask + bid) / 2) * BPS


def at_detection(config: BotConfig, symbol: str, sym: SymbolState, now: int) -> Rejection | None:
    if not sym.enabled:
        return Rejection(RejectReason.SYMBOL_DISABLED, f"{symbol} is not an active symbol",
                         {"active_symbols": ",".join(s for s in config.symbols)})
    if sym.stale:
        return feed_stale(symbol, sym)
    late = cooldown(config, sym, now)
    if late is not None:
        return late
    if sym.pending is not None:
        return Rejection(RejectReason.SUPERSEDED,
                         f"setup {sym.pending.setup_id} is still pending on {symbol}; one setup per symbol",
                         {"pending_setup_id": sym.pending.setup_id})
    return None


def feed_stale(symbol: str, sym: SymbolState) -> Rejection:
    kinds = ",".join(sorted(sym.stale))
    return Rejection(RejectReason.FEED_STALE, f"{symbol} {kinds} feed is stale", {"stale": kinds})


def cooldown(config: BotConfig, sym: SymbolState, now: int) -> Rejection | None:
    if sym.last_close_ts is None:
        return None
    until = config.signal.cooldown_until(sym.last_close_ts)
    if now >= until:
        return None
    return Rejection(RejectReason.COOLDOWN, f"symbol cooldown after the trade closed at {sym.last_close_ts}",
                     {"last_close_ts": str(sym.last_close_ts), "cooldown_until_ts": str(until),
                      "now": str(now)})


def at_confirmation(config: BotConfig, symbol: str, sym: SymbolState, pending: Pending,
                    now: int) -> tuple[Rejection | None, Decimal]:
    """The rejection, or None and the spread in bps."""
    late = cooldown(config, sym, now)
    if late is not None:
        return late, Decimal(0)
    if config.feature_flags.enable_momentum_variant and not velocity_decays(pending.bodies):
        return Rejection(RejectReason.MOMENTUM, "candle bodies are not shrinking after the extreme",
                         {"bodies": ",".join(str(b) for b in pending.bodies)}), Decimal(0)
    book = sym.book
    stale_ms = config.signal.stale_data_seconds * 1000
    if book is None:
        return Rejection(RejectReason.STALE_BOOK, f"no book ticker seen for {symbol}",
                         {"book_age_ms": "none", "max_age_ms": str(stale_ms)}), Decimal(0)
    age = now - book.ts
    if age > stale_ms:
        return Rejection(RejectReason.STALE_BOOK, f"book ticker is {age} ms old",
                         {"book_age_ms": str(age), "max_age_ms": str(stale_ms)}), Decimal(0)
    limit = config.signal.max_spread_bps.get(symbol)  # type: ignore[call-overload]
    if book.bid <= 0 or book.ask <= book.bid:
        return Rejection(RejectReason.SPREAD, "crossed or empty book",
                         {"bid": str(book.bid), "ask": str(book.ask)}), Decimal(0)
    spread = spread_bps(book.bid, book.ask)
    if limit is None or spread > limit:
        return Rejection(RejectReason.SPREAD, f"spread {spread:.3f} bps above the limit",
                         {"spread_bps": f"{spread:.4f}", "max_spread_bps": str(limit)}), spread
    return None, spread
