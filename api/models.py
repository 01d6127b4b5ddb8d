"""Request and response bodies. Money is a decimal string on the wire; times are ISO 8601 in UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.risk import Heartbeat

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int  # rows matching the filters, over all pages


class Message(BaseModel):
    detail: str


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(max_length=4096)


class Liveness(BaseModel):
    status: Literal["ok", "down"]


class Trade(BaseModel):
    timestamp: datetime
    symbol: str
    side: str
    entry: Decimal
    exit: Decimal
    pnl_usdt: Decimal
    pnl_pct: Decimal
    duration_s: float
    fees: Decimal
    slippage_est: Decimal  # bps, adverse positive
    setup_id: str
    reason: str
    qty: Decimal
    opened_at: datetime
    funding_usdt: Decimal  # paid (negative) or received while open; already inside pnl_usdt
    fees_by_asset: dict[str, Decimal]  # the commissions as charged, per asset; `fees` is their USDT value


class MarketEvent(BaseModel):
    setup_id: str
    ts: datetime
    symbol: str
    side: str
    liq_usd: Decimal | None
    liq_count: int | None
    volume_mult: float | None
    spread_bps: float | None
    stage: str
    passed: bool | None  # None while the setup is still pending
    reason: str | None
    detail: str | None
    measured: dict[str, Any] | None


class LogLine(BaseModel):
    ts: datetime
    level: str
    process: str
    message: str
    module: str
    event_id: str | None
    correlation_id: str | None
    exc_type: str | None
    exc_message: str | None
    stack: str | None


class ProcessStatus(BaseModel):
    process: str
    pid: int
    last_seen: datetime
    age_s: float
    online: bool
    lag: int
    events_processed: int
    rss_mb: float


class Position(BaseModel):
    setup_id: str
    symbol: str
    side: str
    qty: Decimal
    entry_price: Decimal | None
    stop_price: Decimal | None
    take_profit_price: Decimal | None
    opened_at: datetime | None
    time_stop_at: datetime | None
    time_in_trade_s: float | None
    mark_price: Decimal | None = None  # best bid (LONG) or ask (SHORT) from the latest book ticker
    mark_at: datetime | None = None
    unrealized_pnl_usdt: Decimal | None = None  # at mark_price, before the exit fee


class LastError(BaseModel):
    message: str
    at: datetime | None
    source: str | None
    stack: str | None


class BotState(BaseModel):
    status: str | None
    status_cause: str | None
    status_since: datetime | None
    heartbeat_at: datetime | None
    heartbeat: Heartbeat | None  # the governor's last Heartbeat payload, as it sent it
    equity_usdt: Decimal | None
    equity_zar: Decimal | None
    zar_per_usdt: Decimal
    last_error: LastError | None
    open_positions: list[Position]
    processes: list[ProcessStatus]


class TodayMetrics(BaseModel):
    day: str
    tz: str
    day_start: datetime  # midnight in `tz`, with its offset
    day_end: datetime
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    pnl_usdt: Decimal
    fees_usdt: Decimal
    max_drawdown_usdt: Decimal
    trades_left: int
    daily_loss_remaining_usdt: Decimal | None
    consecutive_losses: int | None
    pause_until: datetime | None
    limits_source: Literal["governor", "computed"]


class HealthComponent(BaseModel):
    ok: bool
    detail: str = ""
    latency_ms: float | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    postgres: HealthComponent
    redis: HealthComponent
    processes: list[ProcessStatus]
    stream_lag: dict[str, int]  # consumer group → entries not yet processed, over its streams


class FamilyDay(BaseModel):
    day: date  # UTC
    family: str  # decisions, liquidations, closed_klines, book_tickers, forming_klines, heartbeats, logs_*, undecoded
    rows: int
    raw_bytes: int  # the envelopes as stored text; the jsonb copy and indexes come on top


class FamilyRetention(BaseModel):
    family: str
    kept: Literal["for good", "window"]  # "window": for `replay_window_days`, then pruned
    note: str = ""


class WindowDay(BaseModel):
    day: date  # UTC, a partition of the window tier
    bytes: int  # with its indexes


class PruneRecord(BaseModel):
    day: date
    relation: str  # the partition dropped, or events_legacy (the table from before partitioning)
    rows: int
    bytes: int
    heartbeats_kept: int
    pruned_at: datetime


class Retention(BaseModel):
    replay_window_days: int  # from the active config (retention.replay_window_days)
    keep_from: date  # window days before this one are pruned at the next run
    pruned_through: date | None  # a replay from the database must start after this day
    families: list[FamilyRetention]
    window: list[WindowDay]  # oldest first
    kept_bytes: int  # the kept tier (decisions and money, liquidations, closed klines, ...), with indexes
    legacy_bytes: int | None  # the table from before partitioning, until it has aged out
    prunes: list[PruneRecord]  # the latest first


class StorageReport(BaseModel):
    database_bytes: int
    tables: dict[str, int]  # table → bytes with its indexes and TOAST (a partitioned table: all partitions)
    days: list[FamilyDay]  # newest day first
    retention: Retention


class ConfigBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: dict[str, Any]
    note: str = Field("", max_length=1000)


class FieldError(BaseModel):
    field: str  # dotted path, e.g. "risk.risk_per_trade_pct"; "config" for the whole
    message: str


class ConfigErrors(BaseModel):
    detail: str  # "config is invalid" ("invalid request" when the body itself is malformed)
    errors: list[FieldError]


class ConfigCheck(BaseModel):
    valid: bool
    config: dict[str, Any]
    effective_risk_pct: Decimal
    margin_needed_pct: Decimal
    active_symbols: list[str]


class ConfigVersion(BaseModel):
    version: int
    config: dict[str, Any]
    author: str
    created_at: datetime | None
    note: str
    active: bool
    source: Literal["db", "redis", "default"] = "db"


class ControlBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=500)


class ControlResult(BaseModel):
    command: str
    command_id: str
    idempotency_key: str
    actor: str
    status: Literal["submitted", "accepted", "refused", "duplicate"]
    reason: str = ""


class HealthCheck(BaseModel):
    """One of the executor's named checks (connectivity, clock_skew, leverage_BTCUSDT, ...)."""

    name: str
    ok: bool
    detail: str  # what was seen; on a failure, also how to fix it


class HealthCheckReport(BaseModel):
    command_id: str
    idempotency_key: str
    status: Literal["ok", "failed", "timeout"]
    checks: list[HealthCheck]  # in the executor's order; empty on a timeout


class CheckItem(BaseModel):
    key: str
    title: str
    status: Literal["ok", "warn", "fail"]
    evidence: str


class Checklist(BaseModel):
    status: Literal["ok", "warn", "fail"]
    generated_at: datetime
    items: list[CheckItem]
