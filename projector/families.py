"""Event families: what the audit log holds, counted per day so an operator sees its growth, and the retention
tier of each: kept for good, or kept for the replay window (then pruned, but for one heartbeat an hour)."""

from __future__ import annotations

from schemas.envelope import Envelope
from schemas.risk import Heartbeat
from schemas.system import LogRecorded, ProcessHeartbeat

BY_TYPE = {
    "BookTickerUpdated": "book_tickers",
    "KlineUpdated": "forming_klines",
    "KlineClosed": "closed_klines",
    "LiquidationObserved": "liquidations",
    "ProcessHeartbeat": "heartbeats",
    "Heartbeat": "heartbeats",
}
WARNING_LEVELS = ("WARNING", "ERROR", "CRITICAL")

KEPT, WINDOW = "kept", "window"
# What Binance can give back later, or what nobody decides on: kept for the replay window only.
WINDOWED = frozenset({"book_tickers", "forming_klines", "logs_info", "heartbeats"})
# Everything else is kept for good: decisions and money, liquidations (no REST history of them), closed
# klines, WARNING+ logs, and messages that could not be decoded (kept as evidence).
FAMILIES = ("decisions", "liquidations", "closed_klines", "logs_warning", "undecoded", *sorted(WINDOWED))
HEARTBEAT_TYPES = (ProcessHeartbeat.TYPE, Heartbeat.TYPE)
HEARTBEAT_STREAMS = (ProcessHeartbeat.STREAM, Heartbeat.STREAM)


def family_of(envelope: Envelope | None) -> str:
    """One of the above, "logs_warning" / "logs_info", "undecoded", or "decisions": decisions and money
    (signals, intents, orders, fills, positions, trades, state, commands, configs, risk), feed changes, alerts."""
    if envelope is None:
        return "undecoded"
    if isinstance(envelope.payload, LogRecorded):
        return "logs_warning" if envelope.payload.level in WARNING_LEVELS else "logs_info"
    return BY_TYPE.get(envelope.type, "decisions")


def tier_of(family: str) -> str:
    return WINDOW if family in WINDOWED else KEPT


def kept_sql() -> str:
    """`family_of(...)` is kept, as a predicate on an `events` row that has its jsonb payload (rows written
    before the tiers existed). Made from the tables above, so the two cannot disagree."""
    windowed_types = [t for t, family in BY_TYPE.items() if family in WINDOWED]
    listed = ", ".join(f"'{t}'" for t in windowed_types)
    levels = ", ".join(f"'{level}'" for level in WARNING_LEVELS)
    return (f"(NOT decoded OR type IS NULL OR (type <> 'LogRecorded' AND type NOT IN ({listed}))"
            f" OR (type = 'LogRecorded' AND payload->>'level' IN ({levels})))")
