"""The operator's controls tried as an attacker would (issue 18): one test per hole, each failing on the API
as it was before: a public demo secret, short secrets, a lockout anyone could cause, tokens that outlived
logout (also on an open live stream), and a config publish that could leave the workers and PostgreSQL
disagreeing. The redirect hole is the dashboard's: dashboard/tests/e2e/security.spec.ts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import jwt
import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.security import create_token
from projector.migrate import migrate
from runtime.settings import Settings
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.registry import FIELD, decode
from schemas.streams import ACTIVE_CONFIG_KEY
from tests.api.conftest import EMAIL, PASSWORD, SECRET
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
OLD_DEMO_SECRET = "change-me-demo-only"  # the default JWT secret until issue 18, in git history for good
DASHBOARD_SECRET = "dashboard-shared-secret-0123456789abcdef"
ATTACKER, OPERATOR = "203.0.113.7", "198.51.100.9"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    migrate(settings.database_url)
    shared = settings.model_copy(update={"dashboard_secret": SecretStr(DASHBOARD_SECRET)})
    with TestClient(create_app(shared, config_sync_s=0.2), raise_server_exceptions=False) as client:
        yield client


def login(client: TestClient, password: str = PASSWORD, address: str | None = None) -> Any:
    headers = {"X-Dashboard-Secret": DASHBOARD_SECRET, "X-Client-Address": address} if address else {}
    return client.post("/api/auth/login", json={"email": EMAIL, "password": password}, headers=headers)


# -- 1. a public secret -------------------------------------------------------------------------------

def test_token_signed_with_the_old_demo_secret_is_refused_when_jwt_secret_is_unset(
        redis_url: str, database_url: str) -> None:
    settings = Settings(redis_url=redis_url, database_url=database_url, _env_file=None)  # JWT_SECRET unset
    migrate(database_url)
    exp = int(time.time()) + 600
    forged = [jwt.encode({"sub": EMAIL, "role": "admin", "exp": exp}, OLD_DEMO_SECRET, algorithm="HS256"),
              jwt.encode({"sub": EMAIL, "role": "admin", "typ": "access", "sid": "s", "jti": "j", "exp": exp},
                         OLD_DEMO_SECRET, algorithm="HS256")]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert [client.get("/api/state", headers=bearer(t)).status_code for t in forged] == [401, 401]


def start_api(**changes: str) -> subprocess.CompletedProcess[str]:
    """`liqfade run api` with good secrets except `changes`; it must refuse before it serves (else the
    timeout fails the test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "ADMIN_", "DASHBOARD_", "BINANCE_"))}
    env.update({"JWT_SECRET": "j" * 40, "DASHBOARD_SECRET": "d" * 40, "ADMIN_PASSWORD": "a long operator password",
                "API_PORT": str(free_port()), "PYTHONPATH": str(ROOT), **changes})
    return subprocess.run([sys.executable, "-m", "cli.main", "run", "api"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize(("changes", "named"), [
    ({"JWT_SECRET": "twelve-chars"}, "JWT_SECRET must be at least 32 characters"),
    ({"JWT_SECRET": ""}, "JWT_SECRET is not set"),
    ({"JWT_SECRET": OLD_DEMO_SECRET + "-padded-to-forty-chars-x"}, "JWT_SECRET is a published"),
    ({"ADMIN_PASSWORD": "short-pw"}, "ADMIN_PASSWORD must be at least 12 characters"),
    ({"ADMIN_PASSWORD": "demo-password"}, "ADMIN_PASSWORD"),
    ({"ADMIN_PASSWORD": ""}, "ADMIN_PASSWORD (or ADMIN_PASSWORD_HASH) is not set"),
    ({"DASHBOARD_SECRET": "short"}, "DASHBOARD_SECRET must be at least 32 characters"),
    ({"DASHBOARD_SECRET": "j" * 40}, "DASHBOARD_SECRET must differ from JWT_SECRET"),
    ({"ADMIN_PASSWORD_HASH": "$2b$12$notargon"}, "not both"),
    ({"TRADING_MODE": "live", "JWT_SECRET": "twelve-chars"}, "JWT_SECRET must be at least 32"),
])
def test_api_when_a_secret_is_short_public_or_missing_refuses_to_start_naming_it(
        changes: dict[str, str], named: str) -> None:
    started = start_api(**changes)
    assert started.returncode != 0
    assert named in started.stderr
    for value in changes.values():
        if len(value) > 8 and value not in ("live", "j" * 40):
            assert value not in started.stderr


# -- 2. anyone could lock the operator out -------------------------------------------------------------

def test_login_when_another_address_failed_still_takes_the_right_password(app_client: TestClient) -> None:
    failures = [login(app_client, f"wrong-{i}", ATTACKER).status_code for i in range(6)]

    assert failures == [401] * 5 + [429]
    assert login(app_client, address=OPERATOR).status_code == 200
    assert login(app_client, address=ATTACKER).status_code == 429  # the limit still holds where it failed


def test_login_when_the_address_is_not_vouched_for_counts_the_peer_not_the_claimed_address(
        app_client: TestClient) -> None:
    for i in range(5):
        forged = {"X-Client-Address": f"192.0.2.{i}", "X-Dashboard-Secret": "a guess at the shared secret"}
        app_client.post("/api/auth/login", json={"email": EMAIL, "password": "nope"}, headers=forged)

    assert login(app_client).status_code == 429  # all five counted against the peer itself
    assert login(app_client, address=OPERATOR).status_code == 200


def test_login_limit_when_the_api_restarts_is_kept(settings: Settings, app_client: TestClient) -> None:
    for i in range(5):
        login(app_client, f"wrong-{i}", ATTACKER)
    shared = settings.model_copy(update={"dashboard_secret": SecretStr(DASHBOARD_SECRET)})
    with TestClient(create_app(shared, migrate_on_start=False)) as restarted:
        assert login(restarted, address=ATTACKER).status_code == 429


# -- 4. no server-side session control ------------------------------------------------------------------

def test_token_when_its_session_signed_out_is_refused_and_cannot_be_refreshed(app_client: TestClient) -> None:
    session = login(app_client).json()
    access = bearer(session["access_token"])
    assert app_client.get("/api/state", headers=access).status_code == 200

    assert app_client.post("/api/auth/logout", headers=access).json() == {"detail": "signed out"}

    refused = app_client.get("/api/state", headers=access)
    assert (refused.status_code, refused.json()["detail"]) == (401, "session ended (signed out)")
    assert app_client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401
    other = login(app_client).json()  # another session is not affected
    assert app_client.get("/api/state", headers=bearer(other["access_token"])).status_code == 200


def read_stream(client: TestClient, headers: dict[str, str], frames: list[str]) -> None:
    with client.stream("GET", "/api/stream", params={"interval_s": 0.2, "max_seconds": 20}, headers=headers) as r:
        for line in r.iter_lines():
            frames.append(line)


def test_live_stream_when_its_session_signs_out_ends_with_the_reason(app_client: TestClient) -> None:
    access = bearer(login(app_client).json()["access_token"])
    frames: list[str] = []
    reader = threading.Thread(target=read_stream, args=(app_client, access, frames), daemon=True)
    reader.start()
    deadline = time.monotonic() + 10
    while "event: state" not in frames and time.monotonic() < deadline:
        time.sleep(0.05)
    signed_out = time.monotonic()

    app_client.post("/api/auth/logout", headers=access)

    reader.join(10)
    assert not reader.is_alive() and time.monotonic() - signed_out < 5
    assert frames[-3:-1] == ["event: end", 'data: {"reason":"revoked"}']


def test_live_stream_when_its_token_expires_ends_with_the_reason(app_client: TestClient) -> None:
    token, _ = create_token(SECRET, EMAIL, 2)
    frames: list[str] = []
    started = time.monotonic()

    read_stream(app_client, bearer(token), frames)

    assert time.monotonic() - started < 6
    assert frames[-3:-1] == ["event: end", 'data: {"reason":"expired"}']


# -- 5. config publish ------------------------------------------------------------------------------------

def published(redis_client: redis.Redis) -> list[int]:
    events = [decode(f[FIELD]) for _, f in cast(Any, redis_client.xrange("commands"))]
    return [e.payload.version for e in events if isinstance(e.payload, ConfigPublished)]


def workers_copy(redis_client: redis.Redis) -> int:
    return BotConfig.model_validate_json(cast(bytes, redis_client.get(ACTIVE_CONFIG_KEY))).version


def publish(client: TestClient, key: str, trades_per_day: int) -> Any:
    auth = bearer(create_token(SECRET, EMAIL, 600)[0])
    return client.post("/api/config/publish", headers={**auth, "Idempotency-Key": key},
                       json={"config": {"risk": {"max_trades_per_day": trades_per_day}}, "note": key})


def versions(database_url: str) -> list[tuple[int, bool]]:
    with psycopg.connect(database_url) as conn:
        return [(int(v), bool(a)) for v, a in conn.execute("SELECT version, active FROM bot_config ORDER BY 1")]


def test_publish_when_the_commit_fails_tells_the_workers_nothing(
        app_client: TestClient, settings: Settings, redis_client: redis.Redis) -> None:
    assert publish(app_client, "first", 3).status_code == 200
    with psycopg.connect(settings.database_url, autocommit=True) as conn:  # the commit itself fails
        conn.execute("CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS"
                     " $$ BEGIN RAISE EXCEPTION 'commit killed by the test'; END $$")
        conn.execute("CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON bot_config"
                     " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()")

    assert publish(app_client, "second", 4).status_code == 500

    assert versions(settings.database_url) == [(1, True)]
    assert workers_copy(redis_client) == 1 and published(redis_client) == [1]


def test_publish_when_telling_the_workers_fails_is_kept_and_repaired_once_redis_takes_it(
        app_client: TestClient, settings: Settings, redis_client: redis.Redis) -> None:
    assert publish(app_client, "first", 3).status_code == 200
    redis_client.delete("commands")
    redis_client.set("commands", b"not a stream")  # every XADD to it fails until it is a stream again

    response = publish(app_client, "second", 4)

    assert response.status_code == 200 and response.json()["version"] == 2
    assert versions(settings.database_url) == [(1, False), (2, True)]
    assert workers_copy(redis_client) == 1  # nothing half-done: neither the copy nor the event
    redis_client.delete("commands")
    deadline = time.monotonic() + 5
    while workers_copy(redis_client) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers_copy(redis_client) == 2 and published(redis_client) == [2]


def test_api_when_it_starts_repairs_the_workers_copy_from_the_active_row(
        settings: Settings, app_client: TestClient, redis_client: redis.Redis) -> None:
    assert publish(app_client, "first", 3).status_code == 200
    redis_client.set(ACTIVE_CONFIG_KEY, BotConfig(version=7, leverage=1).model_dump_json())  # not the record

    with TestClient(create_app(settings, migrate_on_start=False)):
        deadline = time.monotonic() + 5
        while workers_copy(redis_client) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)

    assert workers_copy(redis_client) == 1 and published(redis_client)[-1] == 1


# -- smaller: surface ----------------------------------------------------------------------------------------

def test_docs_when_not_asked_for_or_live_are_not_served(settings: Settings) -> None:
    for changes in ({}, {"api_docs": True, "trading_mode": "live"}):
        with TestClient(create_app(settings.model_copy(update=changes), migrate_on_start=False)) as client:
            assert [client.get(p).status_code for p in ("/docs", "/openapi.json", "/redoc")] == [404] * 3


def test_health_in_public_says_up_or_down_and_nothing_else(app_client: TestClient) -> None:
    response = app_client.get("/api/health")
    assert response.json() == {"status": "ok"}
