"""Query parameters shared by list endpoints, and a small WHERE-clause builder."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import HTTPException, Query, status

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

From = Annotated[
    datetime | None, Query(alias="from", description="inclusive; ISO 8601 (naive = UTC) or epoch")
]
To = Annotated[datetime | None, Query(description="exclusive; ISO 8601 (naive = UTC) or epoch")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def moment(value: datetime | None, name: str) -> datetime | None:
    """An aware datetime (naive means UTC), within the range PostgreSQL and Python agree on."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        if not EARLIEST <= aware <= LATEST:
            raise ValueError
    except (OverflowError, ValueError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: must be between 1970-01-01 and 9000-01-01"
        ) from exc
    return aware


class Where:
    """AND-ed conditions with their parameters, in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def when(self, value: Any, clause: str, *params: Any) -> Where:
        return self.add(clause, *(params or (value,))) if value is not None else self

    def time_range(self, column: str, start: datetime | None, end: datetime | None) -> Where:
        self.when(moment(start, "from"), f"{column} >= %s")
        return self.when(moment(end, "to"), f"{column} < %s")

    @property
    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def like_pattern(text: str) -> str:
    """A substring match for ILIKE with the wildcards of `text` escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
