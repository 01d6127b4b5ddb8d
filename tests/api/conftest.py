"""API fixtures: the app on a fresh database and Redis, an admin token, and data projected for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.security import create_token
from projector.handler import projection_consumer
from projector.migrate import migrate
from runtime.settings import Settings
from schemas.envelope import Envelope
from tests.projector.conftest import drain
from tests.projector.session import publish

SECRET = "test-secret-0123456789abcdef0123456789"
EMAIL = "ops@liqfade.test"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(redis_url: str, database_url: str) -> Settings:
    return Settings(redis_url=redis_url, database_url=database_url, jwt_secret=SecretStr(SECRET),
                    admin_email=EMAIL, admin_password=SecretStr(PASSWORD), _env_file=None)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    migrate(settings.database_url)
    app = create_app(settings, control_wait_s=0.3, health_wait_s=0.5)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    token, _ = create_token(SECRET, EMAIL, 600)
    return {"Authorization": f"Bearer {token}"}


def project(settings: Settings, events: list[Envelope], undecodable: bool = False) -> None:
    """Put events on the bus and run the real projector over them."""
    import redis

    publish(redis.Redis.from_url(settings.redis_url), events, undecodable=undecodable)
    projector = projection_consumer(settings.redis_url, settings.database_url, block_ms=20, prune_every_ms=None)
    drain(projector)
    projector.close()
