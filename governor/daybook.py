"""Trading days: midnight in `day_boundary_tz` (Africa/Johannesburg or UTC), computed with zoneinfo.

Both functions take event time in epoch ms and never read a clock, so replay and live agree. A wall-clock
midnight is found by building the local date's midnight in the zone (correct across DST changes for
zones that have them), not by adding 24 h to the last boundary.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_date(ts_ms: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ts_ms // 1000, ZoneInfo(tz))


def day_of(ts_ms: int, tz: str) -> str:
    """The ISO date of the trading day that contains `ts_ms`."""
    return local_date(ts_ms, tz).date().isoformat()


def next_day_start_ms(ts_ms: int, tz: str) -> int:
    """Epoch ms of the first midnight in `tz` strictly after `ts_ms`."""
    zone = ZoneInfo(tz)
    tomorrow = local_date(ts_ms, tz).date() + timedelta(days=1)
    return int(datetime.combine(tomorrow, time(0), tzinfo=zone).timestamp()) * 1000
