"""GET /api/storage: how big the database is, how fast the audit log grows per day and event family, and what
the retention policy keeps, so an operator sees growth before it hurts. Reads sizes PostgreSQL keeps, the
projector's daily counts (`event_volume`) and the prune record: no scan of `events`, however big it is."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminUser, DbDep, ServicesDep
from api.models import FamilyDay, FamilyRetention, PruneRecord, Retention, StorageReport, WindowDay
from api.queries import active_config, fetch_all, fetch_one
from projector.families import FAMILIES, WINDOWED
from projector.partitions import PREFIX
from projector.prune import LEGACY, keep_from
from schemas.config import BotConfig

router = APIRouter(prefix="/api/storage", tags=["storage"])

TABLES = ("events", "market_events", "trades", "logs", "risk_events", "bot_config", "event_volume")
NOTES = {"heartbeats": "one an hour is kept for good", "liquidations": "Binance keeps no history of them",
         "logs_info": "the logs page shows them while kept"}
SIZES_SQL = (
    "SELECT t.name, (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0) FROM pg_partition_tree(t.name) p)"
    " AS bytes FROM unnest(%s::text[]) t(name) WHERE to_regclass(t.name) IS NOT NULL"
)


@router.get("", response_model=StorageReport)
async def storage(db: DbDep, services: ServicesDep, _admin: AdminUser,
                  days: Annotated[int, Query(ge=1, le=366, description="how many UTC days back")] = 14
                  ) -> StorageReport:
    total = await fetch_one(db, "SELECT pg_database_size(current_database()) AS bytes")
    sizes = {r["name"]: int(r["bytes"]) for r in await fetch_all(db, SIZES_SQL, ([*TABLES, "events_kept", LEGACY],))}
    rows = await fetch_all(
        db, "SELECT day, family, rows, raw_bytes FROM event_volume"
            " WHERE day > (now() AT TIME ZONE 'UTC')::date - %s ORDER BY day DESC, family",
        (days,))
    return StorageReport(database_bytes=total["bytes"] if total else 0,
                         tables={name: sizes[name] for name in TABLES if name in sizes},
                         days=[FamilyDay(**r) for r in rows],
                         retention=await _retention(db, services, sizes))


async def _retention(db: DbDep, services: ServicesDep, sizes: dict[str, int]) -> Retention:
    stored = await active_config(db, services.redis)
    window_days = BotConfig.model_validate(stored.config).retention.replay_window_days
    window = await fetch_all(
        db, "SELECT to_date(substr(c.relname, %s), 'YYYYMMDD') AS day, pg_total_relation_size(c.oid) AS bytes"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass('events_window') ORDER BY day", (len(PREFIX) + 1,))
    prunes = await fetch_all(db, "SELECT day, relation, rows, bytes, heartbeats_kept, pruned_at FROM event_prunes"
                                 " ORDER BY pruned_at DESC, day DESC LIMIT 30")
    newest = await fetch_one(db, "SELECT max(day) AS day FROM event_prunes")
    return Retention(
        replay_window_days=window_days,
        keep_from=keep_from(time.time_ns() // 1_000_000, window_days),
        pruned_through=newest["day"] if newest else None,
        families=[FamilyRetention(family=f, kept="window" if f in WINDOWED else "for good", note=NOTES.get(f, ""))
                  for f in FAMILIES],
        window=[WindowDay(**r) for r in window],
        kept_bytes=sizes.get("events_kept", 0),
        legacy_bytes=sizes.get(LEGACY),
        prunes=[PruneRecord(**r) for r in prunes],
    )
