"""Event families: what the audit log holds, counted per day so an operator sees its growth (and, for the
retention policy to come, what may be pruned after a replay window and what is kept for good)."""

from __future__ import annotations

from schemas.envelope import Envelope
from schemas.system import LogRecorded

BY_TYPE = {
    "BookTickerUpdated": "book_tickers",
    "KlineUpdated": "forming_klines",
    "KlineClosed": "closed_klines",
    "LiquidationObserved": "liquidations",
    "ProcessHeartbeat": "heartbeats",
    "Heartbeat": "heartbeats",
}
WARNING_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
def family_of(envelope: Envelope | None) -> str:
    """One of the above, "logs_warning" / "logs_info", "undecoded", or "decisions": decisions and money
    (signals, intents, orders, fills, positions, trades, state, commands, configs, risk), feed changes, alerts."""
    if envelope is None:
        return "undecoded"
    if isinstance(envelope.payload, LogRecorded):
        return "logs_warning" if envelope.payload.level in WARNING_LEVELS else "logs_info"
    return BY_TYPE.get(envelope.type, "decisions")
