"""GET /api/storage: how big the database is and how fast the audit log grows, per day and event family, so
an operator sees growth before it hurts. Reads sizes PostgreSQL keeps and the projector's daily counts
(`event_volume`): no scan of `events`, however big it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminUser, DbDep
from api.models import FamilyDay, StorageReport
from api.queries import fetch_all, fetch_one

router = APIRouter(prefix="/api/storage", tags=["storage"])

TABLES = ("events", "market_events", "trades", "logs", "risk_events", "bot_config", "event_volume")


@router.get("", response_model=StorageReport)
async def storage(db: DbDep, _admin: AdminUser,
                  days: Annotated[int, Query(ge=1, le=366, description="how many UTC days back")] = 14
                  ) -> StorageReport:
    total = await fetch_one(db, "SELECT pg_database_size(current_database()) AS bytes")
    sizes = await fetch_all(
        db, "SELECT relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND relname = ANY(%s)",
        (list(TABLES),))
    rows = await fetch_all(
        db, "SELECT day, family, rows, raw_bytes FROM event_volume"
            " WHERE day > (now() AT TIME ZONE 'UTC')::date - %s ORDER BY day DESC, family",
        (days,))
    return StorageReport(database_bytes=total["bytes"] if total else 0,
                         tables={r["name"]: r["bytes"] for r in sizes},
                         days=[FamilyDay(**r) for r in rows])
