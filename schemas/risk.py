"""The governor's output: `intents` (approvals, vetoes, flatten orders) and `state` (bot state, limits)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import INTENTS, STATE
from schemas.types import BotStatus, EpochMs, PositionSide, RejectReason, Symbol


@event(INTENTS)
class EntryApproved(Payload):
    """A sized entry the executor must carry out, with the exits it must place on fill."""

    setup_id: str
    symbol: Symbol
    side: PositionSide
    qty: Decimal
    entry_price: Decimal  # reference price the size was computed at (touch at confirmation)
    stop_price: Decimal
    take_profit_price: Decimal
    equity: Decimal
    risk_usdt: Decimal
    effective_risk_pct: Decimal
    margin_usdt: Decimal
    leverage: int
    tp_pct: Decimal
    sl_pct: Decimal
    time_stop_seconds: int
    entry_fill_timeout_ms: int
    use_market_if_not_filled: bool
    config_version: int


@event(INTENTS)
class SignalVetoed(Payload):
    setup_id: str
    symbol: Symbol
    side: PositionSide
    reason: RejectReason
    detail: str


@event(INTENTS)
class FlattenOrdered(Payload):
    reason: str
    actor: str
    idempotency_key: str | None = None


@event(STATE)
class BotStateChanged(Payload):
    from_state: BotStatus
    to_state: BotStatus
    cause: str
    actor: str = "governor"


@event(STATE)
class RiskLimitHit(Payload):
    limit: Literal["daily_loss", "max_trades", "consecutive_losses", "naked_position", "venue_ban"]
    detail: str
    until_ts: EpochMs | None = None


@event(STATE)
class DailyCountersReset(Payload):
    day: str  # ISO date in day_boundary_tz
    tz: str
    actor: str
    day_start_equity: Decimal


@event(STATE)
class ControlActionResult(Payload):
    """The answer to a command: written to risk_events with actor, key and outcome."""

    command: str
    idempotency_key: str
    actor: str
    outcome: Literal["accepted", "refused", "duplicate"]
    reason: str = ""


@event(STATE)
class Heartbeat(Payload):
    """The governor's full risk picture, at least every 5 s."""

    status: BotStatus
    day: str
    tz: str
    equity: Decimal
    day_start_equity: Decimal
    daily_pnl: Decimal
    daily_max_drawdown: Decimal
    trades_today: int
    trades_left: int
    daily_loss_remaining: Decimal
    consecutive_losses: int
    pause_until: EpochMs | None
    open_positions: tuple[str, ...]
    config_version: int
