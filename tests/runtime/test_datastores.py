"""Finding Redis and PostgreSQL for `liqfade up`: explicit URLs must answer; embedded servers persist."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import redis

from runtime.datastores import DatastoreUnavailable, resolve
from tests.support.services import free_port


def test_resolve_when_named_redis_does_not_answer_says_so_plainly(tmp_path: Path) -> None:
    with pytest.raises(DatastoreUnavailable, match=r"REDIS_URL=redis://127.0.0.1:\d+/0 does not answer"):
        resolve(f"redis://127.0.0.1:{free_port()}/0", None, tmp_path)


def test_resolve_when_named_database_does_not_answer_says_so_plainly(tmp_path: Path, redis_url: str) -> None:
    with pytest.raises(DatastoreUnavailable, match="DATABASE_URL does not answer"):
        resolve(redis_url, f"postgresql://postgres@127.0.0.1:{free_port()}/x", tmp_path)


def test_resolve_when_embedded_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    first = resolve(None, None, tmp_path, embedded_only=True, embedded_redis_port=port)
    try:
        assert any("embedded Redis" in n for n in first.notes)
        assert any("embedded PostgreSQL" in n for n in first.notes)
        redis.Redis.from_url(first.redis_url).xadd("demo", {"k": "v"})
        with psycopg.connect(first.database_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
    finally:
        first.stop()
    second = resolve(None, None, tmp_path, embedded_only=True, embedded_redis_port=port)
    try:
        assert redis.Redis.from_url(second.redis_url).xlen("demo") == 1
        with psycopg.connect(second.database_url) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (42,)
    finally:
        second.stop()
