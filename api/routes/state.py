"""The bot's state now, and today's numbers in the configured day boundary (seed §7.1 Overview)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi import APIRouter

from api.deps import AdminUser, DbDep, ServicesDep
from api.models import BotState, LastError, TodayMetrics
from api.queries import (
    active_config,
    bot_config,
    day_window,
    fetch_all,
    fetch_one,
    governor_heartbeat,
    max_drawdown,
    open_positions,
    processes,
    trade_pnls,
    utc_now,
)

router = APIRouter(prefix="/api", tags=["state"])


@router.get("/state", response_model=BotState)
async def state(db: DbDep, services: ServicesDep, _admin: AdminUser) -> BotState:
    now = utc_now()
    row = await fetch_one(db, "SELECT * FROM bot_state WHERE id = 1") or {}
    config = bot_config(await active_config(db, services.redis))
    heartbeat = governor_heartbeat(row)
    equity = heartbeat.equity if heartbeat else None
    rate = config.display.zar_per_usdt
    last_error = (
        LastError(
            message=row["last_error"],
            at=row["last_error_at"],
            source=row["last_error_source"],
            stack=row["last_error_stack"],
        )
        if row.get("last_error")
        else None
    )
    return BotState(
        status=row.get("status"),
        status_cause=row.get("status_cause"),
        status_since=row.get("status_since"),
        heartbeat_at=row.get("heartbeat_at"),
        heartbeat=heartbeat,
        equity_usdt=equity,
        equity_zar=(equity * rate).quantize(Decimal("0.01")) if equity is not None else None,
        zar_per_usdt=rate,
        last_error=last_error,
        open_positions=await open_positions(db, now, services.redis),
        processes=await processes(db, now),
    )


@router.get("/metrics/today", response_model=TodayMetrics)
async def metrics_today(db: DbDep, services: ServicesDep, _admin: AdminUser) -> TodayMetrics:
    config = bot_config(await active_config(db, services.redis))
    day, start, end = day_window(config.day_boundary_tz, utc_now())
    pnls = await trade_pnls(db, start, end)
    fees = await fetch_one(
        db,
        'SELECT coalesce(sum(fees), 0) AS f FROM trades WHERE "timestamp" >= %s AND "timestamp" < %s',
        (start, end),
    )
    total = sum(pnls, Decimal(0))
    wins, losses = sum(1 for p in pnls if p > 0), sum(1 for p in pnls if p < 0)
    drawdown = max_drawdown(pnls)
    beat = governor_heartbeat(await fetch_one(db, "SELECT heartbeat FROM bot_state WHERE id = 1"))
    if beat and beat.day == day and beat.tz == config.day_boundary_tz:
        pause = beat.pause_until
        return TodayMetrics(
            day=day,
            tz=config.day_boundary_tz,
            day_start=start,
            day_end=end,
            trades=len(pnls),
            wins=wins,
            losses=losses,
            win_rate=wins / len(pnls) if pnls else None,
            pnl_usdt=total,
            fees_usdt=fees["f"] if fees else Decimal(0),
            max_drawdown_usdt=max(drawdown, beat.daily_max_drawdown),
            trades_left=beat.trades_left,
            daily_loss_remaining_usdt=beat.daily_loss_remaining,
            consecutive_losses=beat.consecutive_losses,
            pause_until=datetime.fromtimestamp(pause / 1000, UTC) if pause else None,
            limits_source="governor",
        )
    recent = await fetch_all(db, 'SELECT pnl_usdt FROM trades ORDER BY "timestamp" DESC LIMIT 50')
    streak = next((i for i, r in enumerate(recent) if r["pnl_usdt"] >= 0), len(recent))
    limit = (
        config.paper.starting_equity_usdt * config.risk.daily_max_loss_pct if config.mode == "paper" else None
    )
    return TodayMetrics(
        day=day,
        tz=config.day_boundary_tz,
        day_start=start,
        day_end=end,
        trades=len(pnls),
        wins=wins,
        losses=losses,
        win_rate=wins / len(pnls) if pnls else None,
        pnl_usdt=total,
        fees_usdt=fees["f"] if fees else Decimal(0),
        max_drawdown_usdt=drawdown,
        trades_left=max(0, config.risk.max_trades_per_day - len(pnls)),
        daily_loss_remaining_usdt=max(Decimal(0), limit + min(total, Decimal(0)))
        if limit is not None
        else None,
        consecutive_losses=streak,
        pause_until=None,
        limits_source="computed",
    )
