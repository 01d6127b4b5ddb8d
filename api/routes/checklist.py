"""GET /api/checklist: the daily operator checklist, worst status first in `status`."""

from __future__ import annotations

from fastapi import APIRouter

from api import checklist as checks
from api.deps import AdminUser, DbDep, ServicesDep
from api.models import Checklist
from api.queries import active_config, bot_config, fetch_one, governor_heartbeat, utc_now

router = APIRouter(prefix="/api/checklist", tags=["checklist"])
RANK = {"ok": 0, "warn": 1, "fail": 2}


@router.get("", response_model=Checklist)
async def checklist(db: DbDep, services: ServicesDep, _admin: AdminUser) -> Checklist:
    now = utc_now()
    config = bot_config(await active_config(db, services.redis))
    state = await fetch_one(db, "SELECT status, heartbeat FROM bot_state WHERE id = 1") or {}
    status = state.get("status")
    items = [
        await checks.services_online(db, now),
        await checks.risk_limits(db, now, status),
        await checks.repeated_errors(db, now, status),
        await checks.pnl_band(db, now, config, governor_heartbeat(state)),
        await checks.open_positions(db, now, config),
        await checks.last_day_trades(db, now),
        await checks.notifications_ok(db, now),
    ]
    worst = max(items, key=lambda item: RANK[item.status]).status
    return Checklist(status=worst, generated_at=now, items=items)
