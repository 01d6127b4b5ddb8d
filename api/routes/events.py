"""Market events: one row per detected liquidation spike, with its outcome (seed §7.1)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminUser, DbDep
from api.filters import From, Limit, Offset, To, Where
from api.models import MarketEvent, Page
from api.queries import fetch_all, fetch_one
from schemas.types import PositionSide, RejectReason, Symbol

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("", response_model=Page[MarketEvent])
async def list_market_events(
    db: DbDep,
    _admin: AdminUser,
    from_: From = None,
    to: To = None,
    symbol: Symbol | None = None,
    side: PositionSide | None = None,
    passed: bool | None = None,
    reason: RejectReason | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[MarketEvent]:
    where = (
        Where()
        .time_range("ts", from_, to)
        .when(symbol, "symbol = %s")
        .when(side, "side = %s")
        .when(passed, "passed = %s")
        .when(reason, "reason = %s")
    )
    total = await fetch_one(db, f"SELECT count(*) AS n FROM market_events{where.sql}", where.params)
    rows = await fetch_all(
        db,
        "SELECT setup_id, ts, symbol, side, liq_usd, liq_count, volume_mult, spread_bps, stage, passed,"
        f" reason, detail, measured FROM market_events{where.sql}"
        " ORDER BY ts DESC, setup_id LIMIT %s OFFSET %s",
        [*where.params, limit, offset],
    )
    return Page[MarketEvent](data=[MarketEvent(**r) for r in rows], count=total["n"] if total else 0)
