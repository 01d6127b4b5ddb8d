"""Small shared vocabularies: symbols, sides, rejection reasons, exit reasons, bot states."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

Symbol = Literal["BTCUSDT", "ETHUSDT", "SOLUSDT"]
ALL_SYMBOLS: tuple[Symbol, ...] = ("BTCUSDT", "ETHUSDT", "SOLUSDT")

OrderSide = Literal["BUY", "SELL"]  # an order's side, as Binance spells it
PositionSide = Literal["LONG", "SHORT"]  # the side of a setup or a position

Money = Decimal
Qty = Decimal
NonNegative = Annotated[Decimal, Field(ge=0)]
EpochMs = int


class RejectReason(StrEnum):
    """Why a setup did not become a trade. Shared by strategy (SetupRejected) and governor (SignalVetoed)."""

    VOLUME = "volume"
    NO_EXHAUSTION = "no_exhaustion"
    SPREAD = "spread"
    STALE_BOOK = "stale_book"
    COOLDOWN = "cooldown"
    PAUSED = "paused"
    NOT_RUNNING = "not_running"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MAX_TRADES = "max_trades"
    LOSS_STREAK_PAUSE = "loss_streak_pause"
    POSITION_OPEN = "position_open"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    SYMBOL_DISABLED = "symbol_disabled"
    FEED_STALE = "feed_stale"
    MOMENTUM = "momentum"
    SUPERSEDED = "superseded"
    NO_EQUITY = "no_equity"
    NO_FILTERS = "no_filters"


class ExitReason(StrEnum):
    TP = "TP"
    SL = "SL"
    TIME_STOP = "TIME_STOP"
    FLATTEN = "FLATTEN"
    INCIDENT = "INCIDENT"
    LIQUIDATION = "LIQUIDATION"  # the exchange liquidated the position
    ADL = "ADL"  # the exchange auto-deleveraged it
    EXTERNAL = "EXTERNAL"  # closed by an order that is not ours (by hand, or while the executor was away)


class BotStatus(StrEnum):
    BOOTING = "BOOTING"
    RUNNING = "RUNNING"
    PAUSED_MANUAL = "PAUSED_MANUAL"
    PAUSED_RISK_LIMIT = "PAUSED_RISK_LIMIT"
    ERROR = "ERROR"
    SHUTDOWN = "SHUTDOWN"


def entry_side(position: PositionSide) -> OrderSide:
    return "BUY" if position == "LONG" else "SELL"


def exit_side(position: PositionSide) -> OrderSide:
    return "SELL" if position == "LONG" else "BUY"
