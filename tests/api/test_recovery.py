"""The API keeps serving across a restart of Redis or PostgreSQL: at most the request caught in the outage
fails (503, with a reason), and the ones after it succeed without restarting the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from projector.migrate import migrate
from runtime.settings import Settings
from tests.api.conftest import EMAIL, PASSWORD, SECRET
from tests.support.postgres import PrivatePostgres
from tests.support.services import RedisServer


@pytest.fixture
def redis_server_of_own() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_of_own() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    cluster.init()
    cluster.start()
    yield cluster
    cluster.destroy()


def app_client(redis_url: str, database_url: str) -> TestClient:
    settings = Settings(redis_url=redis_url, database_url=database_url, jwt_secret=SecretStr(SECRET),
                        admin_email=EMAIL, admin_password=SecretStr(PASSWORD), _env_file=None)
    migrate(database_url)
    return TestClient(create_app(settings, control_wait_s=0.3, health_wait_s=0.5), raise_server_exceptions=False)


def statuses_after(client: TestClient, auth: dict[str, str], path: str, n: int = 3) -> list[int]:
    return [client.get(path, headers=auth).status_code for _ in range(n)]


def test_state_when_redis_restarted_is_served_again_without_restarting_the_api(
        redis_server_of_own: RedisServer, database_url: str, auth: dict[str, str]) -> None:
    with app_client(redis_server_of_own.url, database_url) as client:
        assert client.get("/api/state", headers=auth).status_code == 200

        redis_server_of_own.restart()

        assert statuses_after(client, auth, "/api/state") == [200, 200, 200]


def test_state_when_redis_down_is_503_with_a_reason_then_recovers(
        redis_server_of_own: RedisServer, database_url: str, auth: dict[str, str]) -> None:
    with app_client(redis_server_of_own.url, database_url) as client:
        assert client.get("/api/state", headers=auth).status_code == 200
        redis_server_of_own.stop()

        down = client.get("/api/state", headers=auth)
        assert down.status_code == 503 and "unavailable" in down.json()["detail"]

        redis_server_of_own.start()
        assert statuses_after(client, auth, "/api/state")[-2:] == [200, 200]


def test_trades_when_postgres_restarted_is_served_again_without_restarting_the_api(
        redis_url: str, postgres_of_own: PrivatePostgres, auth: dict[str, str]) -> None:
    database_url = postgres_of_own.create_database()
    with app_client(redis_url, database_url) as client:
        assert statuses_after(client, auth, "/api/trades") == [200, 200, 200]

        postgres_of_own.restart()

        assert statuses_after(client, auth, "/api/trades") == [200, 200, 200]
