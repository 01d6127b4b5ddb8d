"""Shared fixtures: real Redis and real PostgreSQL. Factories live in tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.services import RedisServer, external_redis_url, fresh_database


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer | None]:
    if external_redis_url() is not None:
        yield None
        return
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer | None) -> Iterator[str]:
    """A real, empty Redis database for one test."""
    url = redis_server.url if redis_server is not None else external_redis_url()
    assert url is not None
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    """A real, empty PostgreSQL database for one test."""
    with fresh_database() as url:
        yield url
