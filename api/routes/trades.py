"""Closed trades (seed §7.1), newest first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AdminUser, DbDep
from api.filters import From, Limit, Offset, To, Where
from api.models import Page, Trade
from api.queries import fetch_all, fetch_one
from schemas.types import ExitReason, PositionSide, Symbol

router = APIRouter(prefix="/api/trades", tags=["trades"])

RESULTS = {"win": "pnl_usdt > 0", "loss": "pnl_usdt < 0", "breakeven": "pnl_usdt = 0"}


@router.get("", response_model=Page[Trade])
async def list_trades(
    db: DbDep,
    _admin: AdminUser,
    from_: From = None,
    to: To = None,
    symbol: Symbol | None = None,
    side: PositionSide | None = None,
    result: Annotated[Literal["win", "loss", "breakeven"] | None, Query()] = None,
    reason: ExitReason | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[Trade]:
    where = (
        Where()
        .time_range('"timestamp"', from_, to)
        .when(symbol, "symbol = %s")
        .when(side, "side = %s")
        .when(reason, "reason = %s")
    )
    if result is not None:
        where.add(RESULTS[result])
    total = await fetch_one(db, f"SELECT count(*) AS n FROM trades{where.sql}", where.params)
    rows = await fetch_all(
        db,
        'SELECT "timestamp", symbol, side, entry, exit, pnl_usdt, pnl_pct,'
        " extract(epoch FROM duration)::float8 AS duration_s, fees, slippage_est, setup_id, reason, qty,"
        f" opened_at, funding AS funding_usdt, fees_by_asset FROM trades{where.sql}"
        ' ORDER BY "timestamp" DESC, event_id LIMIT %s OFFSET %s',
        [*where.params, limit, offset],
    )
    return Page[Trade](data=[Trade(**r) for r in rows], count=total["n"] if total else 0)
