"""A recorded session built from the event catalogue: one full trade, one rejected setup, one veto,
state changes, a control action, heartbeats, logs, a config publish, market data and an undecodable entry.
"""

from __future__ import annotations

from decimal import Decimal as D

import redis

from runtime import bus
from runtime.core import Emit, envelopes
from schemas.commands import ConfigPublished, PauseRequested
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.feed import FeedStale
from schemas.market import BookTickerUpdated, LiquidationObserved
from schemas.positions import PositionClosed, PositionOpened
from schemas.registry import FIELD
from schemas.risk import (
    BotStateChanged,
    ControlActionResult,
    EntryApproved,
    Heartbeat,
    RiskLimitHit,
    SignalVetoed,
)
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.system import LogRecorded, ProcessHeartbeat
from schemas.types import BotStatus, ExitReason, RejectReason

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SETUP = f"BTCUSDT-LONG-{T0 + 1_000}"
REJECTED = f"ETHUSDT-SHORT-{T0 + 5_000}"
VETOED = f"BTCUSDT-SHORT-{T0 + 9_000}"


def wrap(payload: Payload, ts: int, source: str, correlation: str | None = None) -> Envelope:
    return envelopes([Emit(payload, correlation_id=correlation, ts=ts)], source=source,
                     cause_id=f"test/{payload.TYPE}/{ts}", now=ts)[0]


def closed_trade(setup_id: str, closed_ts: int, pnl: str, reason: ExitReason = ExitReason.TP,
                 symbol: str = "BTCUSDT", side: str = "LONG", funding: str = "0",
                 fees_by_asset: dict[str, str] | None = None) -> Envelope:
    payload = PositionClosed(
        setup_id=setup_id, symbol=symbol, side=side, reason=reason, qty=D("0.010"),
        entry_price=D("95000.0"), exit_price=D("95332.5"), pnl_usdt=D(pnl), pnl_pct=D("0.0031"),
        fees_usdt=D("0.66"), slippage_bps=D("0.8"), opened_ts=closed_ts - 60_000, closed_ts=closed_ts,
        duration_ms=60_000, funding_usdt=D(funding),
        fees_by_asset={asset: D(fee) for asset, fee in (fees_by_asset or {"USDT": "0.66"}).items()},
    )
    return wrap(payload, closed_ts, "executor", setup_id)


def heartbeat(ts: int, status: BotStatus = BotStatus.RUNNING, pnl: str = "0", trades: int = 0) -> Envelope:
    return wrap(Heartbeat(
        status=status, day="2026-01-01", tz="UTC", equity=D("1350") + D(pnl), day_start_equity=D("1350"),
        daily_pnl=D(pnl), daily_max_drawdown=D("0"), trades_today=trades, trades_left=10 - trades,
        daily_loss_remaining=D("20.25") + D(pnl), consecutive_losses=0, pause_until=None, open_positions=(),
        config_version=1,
    ), ts, "governor")


def recorded_session(t0: int = T0) -> list[Envelope]:
    s = SETUP
    book = BookTickerUpdated(symbol="BTCUSDT", bid=D("95000.0"), bid_qty=D("3"), ask=D("95000.1"),
                             ask_qty=D("2"), update_id=1)
    liq = LiquidationObserved(symbol="BTCUSDT", side="SELL", avg_price=D("95100"), qty=D("30"),
                              usd_value=D("2853000"), trade_time=t0 + 1_000)
    return [
        wrap(BotStateChanged(from_state=BotStatus.BOOTING, to_state=BotStatus.RUNNING, cause="boot checks ok"),
             t0, "governor"),
        wrap(ProcessHeartbeat(process="strategy", pid=11, started_ts=t0, events_processed=5, lag=0,
                              rss_mb=80.5), t0 + 500, "strategy"),
        wrap(book, t0 + 900, "ingest"),
        wrap(liq, t0 + 1_000, "ingest"),
        wrap(SetupDetected(setup_id=s, symbol="BTCUSDT", side="LONG", liq_usd=D("2853000"), liq_count=1,
                           window_start_ts=t0 - 59_000, trigger_ts=t0 + 1_000, threshold_usd=D("2500000")),
             t0 + 1_000, "strategy", s),
        wrap(SetupRejected(setup_id=REJECTED, symbol="ETHUSDT", side="SHORT", reason=RejectReason.SPREAD,
                           detail="spread 5.1 bps > 4", liq_usd=D("1400000"),
                           measured={"spread_bps": "5.1", "max": "4"}), t0 + 6_000, "strategy", REJECTED),
        wrap(SetupConfirmed(setup_id=s, symbol="BTCUSDT", side="LONG", liq_usd=D("2853000"), volume=D("900"),
                            avg_volume=D("300"), volume_mult=3.0, spread_bps=0.01, impulse_move_pct=0.8,
                            extreme_price=D("94800"), bid=D("95000.0"), ask=D("95000.1"),
                            exhaustion_candles=2), t0 + 120_000, "strategy", s),
        wrap(EntryApproved(setup_id=s, symbol="BTCUSDT", side="LONG", qty=D("0.010"), entry_price=D("95000.0"),
                           stop_price=D("94572.5"), take_profit_price=D("95332.5"), equity=D("1350"),
                           risk_usdt=D("3.375"), effective_risk_pct=D("0.0025"), margin_usdt=D("270"),
                           leverage=2, tp_pct=D("0.0035"), sl_pct=D("0.0045"), time_stop_seconds=150,
                           entry_fill_timeout_ms=800, use_market_if_not_filled=True, config_version=1),
             t0 + 120_001, "governor", s),
        wrap(SignalVetoed(setup_id=VETOED, symbol="BTCUSDT", side="SHORT", reason=RejectReason.POSITION_OPEN,
                          detail="one position at a time"), t0 + 125_000, "governor", VETOED),
        wrap(PositionOpened(setup_id=s, symbol="BTCUSDT", side="LONG", qty=D("0.010"), entry_price=D("95000.0"),
                            stop_price=D("94572.5"), take_profit_price=D("95332.5"), opened_ts=t0 + 120_500,
                            time_stop_ts=t0 + 270_500), t0 + 120_500, "executor", s),
        wrap(FeedStale(symbol="ETHUSDT", kind="book", silent_ms=12_000), t0 + 130_000, "ingest"),
        closed_trade(s, t0 + 180_500, "2.66"),
        heartbeat(t0 + 181_000, pnl="2.66", trades=1),
        wrap(PauseRequested(idempotency_key="k-pause-1", actor="admin@x", reason="lunch"), t0 + 200_000, "api"),
        wrap(ControlActionResult(command="PauseRequested", idempotency_key="k-pause-1", actor="admin@x",
                                 outcome="accepted"), t0 + 200_010, "governor"),
        wrap(BotStateChanged(from_state=BotStatus.RUNNING, to_state=BotStatus.PAUSED_MANUAL,
                             cause="paused by admin@x", actor="admin@x"), t0 + 200_010, "governor"),
        wrap(RiskLimitHit(limit="max_trades", detail="10 of 10"), t0 + 210_000, "governor"),
        wrap(LogRecorded(level="ERROR", process="executor", message="order rejected", module="executor.venue",
                         exc_type="VenueError", exc_message="-2019 margin", stack="File x, line 1"),
             t0 + 220_000, "executor"),
        wrap(LogRecorded(level="INFO", process="ingest", message="connected", module="ingest.ws"),
             t0 + 220_500, "ingest"),
        wrap(ConfigPublished(idempotency_key="k-cfg-1", actor="admin@x", version=1, config=BotConfig(),
                             note="first"), t0 + 230_000, "api"),
    ]


SESSION_TYPES_WITH_ROWS = 20  # len(recorded_session())
UNDECODABLE = [
    ("signals", b'{"id":"x","type":"SetupFromTheFuture","v":1,"ts":1,"source":"strategy","payload":{}}'),
    ("signals", b"not json at all"),
]


def publish(client: redis.Redis, events: list[Envelope], undecodable: bool = True) -> None:
    pipe = client.pipeline(transaction=False)
    bus.append(pipe, events)
    if undecodable:
        for stream, raw in UNDECODABLE:
            pipe.xadd(stream, {FIELD: raw})
    pipe.execute()
