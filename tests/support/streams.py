"""Typed reads of a Redis stream for assertions (redis-py's own return types are unions)."""

from __future__ import annotations

from typing import cast

import redis

Fields = dict[bytes, bytes]


def entries(client: redis.Redis, stream: str) -> list[tuple[bytes, Fields]]:
    """(entry id, fields) of every entry on `stream`, oldest first."""
    return cast(list[tuple[bytes, Fields]], client.xrange(stream))
