"""Stream names and consumer-group names, defined once."""

from __future__ import annotations

from schemas.types import ALL_SYMBOLS

FEED = "feed"
SIGNALS = "signals"
COMMANDS = "commands"
INTENTS = "intents"
STATE = "state"
EXECUTIONS = "executions"
LOGS = "logs"
HEARTBEATS = "heartbeats"


def md(symbol: str) -> str:
    """The market-data stream of one symbol."""
    return f"md.{symbol}"


def dlq(stream: str) -> str:
    """Where an entry that keeps failing in a consumer is moved."""
    return f"dlq.{stream}"


MARKET_DATA: tuple[str, ...] = tuple(md(s) for s in ALL_SYMBOLS)
ALL_STREAMS: tuple[str, ...] = (
    *MARKET_DATA, FEED, SIGNALS, COMMANDS, INTENTS, STATE, EXECUTIONS, LOGS, HEARTBEATS,
)

# Consumer groups: one per consuming worker, named after it.
GROUP_STRATEGY = "strategy"
GROUP_GOVERNOR = "governor"
GROUP_EXECUTOR = "executor"
GROUP_PROJECTOR = "projector"
GROUP_INGEST = "ingest"
GROUP_NOTIFIER = "notifier"

# Which groups read which streams. A stream is trimmed only below what every one of its groups has
# consumed, so nothing unprojected is ever trimmed.
READERS: dict[str, tuple[str, ...]] = {
    **{s: (GROUP_STRATEGY, GROUP_EXECUTOR, GROUP_PROJECTOR) for s in MARKET_DATA},
    FEED: (GROUP_STRATEGY, GROUP_GOVERNOR, GROUP_PROJECTOR, GROUP_NOTIFIER),
    SIGNALS: (GROUP_GOVERNOR, GROUP_PROJECTOR),
    COMMANDS: (GROUP_STRATEGY, GROUP_GOVERNOR, GROUP_EXECUTOR, GROUP_INGEST, GROUP_PROJECTOR),
    INTENTS: (GROUP_EXECUTOR, GROUP_PROJECTOR),
    STATE: (GROUP_PROJECTOR, GROUP_NOTIFIER),
    EXECUTIONS: (GROUP_STRATEGY, GROUP_GOVERNOR, GROUP_EXECUTOR, GROUP_PROJECTOR, GROUP_NOTIFIER),
    LOGS: (GROUP_PROJECTOR,),
    HEARTBEATS: (GROUP_PROJECTOR,),
}

STATE_KEY_PREFIX = "liqfade:state:"  # + worker name: the core's snapshot and its stream positions
ACTIVE_CONFIG_KEY = "liqfade:config:active"
