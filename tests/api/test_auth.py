"""Authentication: JWT checks (expiry, signature, algorithm, role), login, and its rate limit."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient

from api.security import create_token
from tests.api.conftest import EMAIL, PASSWORD, SECRET

PROTECTED = ["/api/state", "/api/metrics/today", "/api/trades", "/api/events", "/api/config/current",
             "/api/config/versions", "/api/logs", "/api/checklist"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**changes: object) -> dict[str, object]:
    """What a real access token carries, with `changes` (None removes a claim)."""
    base: dict[str, object] = {"sub": EMAIL, "role": "admin", "typ": "access", "sid": "s1", "jti": "t1",
                               "exp": int(time.time()) + 60}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("path", PROTECTED)
def test_get_when_no_token_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "not authenticated"


def test_post_when_no_token_is_401(client: TestClient) -> None:
    assert client.post("/api/control/pause", headers={"Idempotency-Key": "k1"}).status_code == 401


def test_token_when_expired_is_401(client: TestClient) -> None:
    token, _ = create_token(SECRET, EMAIL, 60, now=time.time() - 3600)
    response = client.get("/api/state", headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (401, "token expired")


def test_token_when_signed_with_another_secret_is_401(client: TestClient) -> None:
    token, _ = create_token("another-secret-of-sufficient-length!", EMAIL, 60)
    assert client.get("/api/state", headers=bearer(token)).status_code == 401


def test_token_when_alg_none_is_401(client: TestClient) -> None:
    token = jwt.encode(claims(), key=None, algorithm="none")
    response = client.get("/api/state", headers=bearer(token))
    assert response.status_code == 401
    assert "not accepted" in response.json()["detail"]


def test_token_when_other_hmac_alg_is_401(client: TestClient) -> None:
    token = jwt.encode(claims(), SECRET, algorithm="HS512")
    assert client.get("/api/state", headers=bearer(token)).status_code == 401


def test_token_when_garbage_is_401(client: TestClient) -> None:
    assert client.get("/api/state", headers=bearer("not.a.token")).status_code == 401


def test_token_when_role_not_admin_is_403(client: TestClient) -> None:
    response = client.get("/api/state", headers=bearer(jwt.encode(claims(role="viewer"), SECRET, algorithm="HS256")))
    assert response.status_code == 403


def test_token_when_role_missing_is_401(client: TestClient) -> None:
    token = jwt.encode(claims(role=None), SECRET, algorithm="HS256")
    assert client.get("/api/state", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("missing", ["typ", "sid", "jti"])
def test_token_when_it_lacks_a_session_claim_is_401(client: TestClient, missing: str) -> None:
    token = jwt.encode(claims(**{missing: None}), SECRET, algorithm="HS256")
    assert client.get("/api/state", headers=bearer(token)).status_code == 401


def test_token_when_a_refresh_token_is_used_as_access_is_401(client: TestClient) -> None:
    token, _ = create_token(SECRET, EMAIL, 60, kind="refresh")
    response = client.get("/api/state", headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (401, "not an access token")


def test_login_when_credentials_right_returns_working_token(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": EMAIL.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert SECRET not in response.text and PASSWORD not in response.text
    assert client.get("/api/state", headers=bearer(body["access_token"])).status_code == 200


def test_login_when_password_wrong_is_401_then_429(client: TestClient) -> None:
    statuses = [client.post("/api/auth/login", json={"email": EMAIL, "password": f"nope{i}"}).status_code
                for i in range(6)]
    assert statuses == [401] * 5 + [429]
    limited = client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_login_when_right_returns_a_short_access_token_and_a_refresh_that_renews_it(client: TestClient) -> None:
    body = client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
    access = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    refresh = jwt.decode(body["refresh_token"], SECRET, algorithms=["HS256"])
    assert access["exp"] - access["iat"] == 15 * 60 and refresh["exp"] - refresh["iat"] == 12 * 3600
    assert access["sid"] == refresh["sid"] and access["jti"] != refresh["jti"]

    renewed = client.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]})

    assert renewed.status_code == 200 and renewed.headers["Cache-Control"] == "no-store"
    fresh = renewed.json()["access_token"]
    assert jwt.decode(fresh, SECRET, algorithms=["HS256"])["sid"] == access["sid"]
    assert client.get("/api/state", headers=bearer(fresh)).status_code == 200


def test_refresh_when_given_an_access_token_is_401(client: TestClient, auth: dict[str, str]) -> None:
    access = auth["Authorization"].removeprefix("Bearer ")
    assert client.post("/api/auth/refresh", json={"refresh_token": access}).status_code == 401


def test_login_when_body_invalid_is_422_naming_field(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": EMAIL})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.password"


@pytest.mark.parametrize("path", ["/api/health", "/api/ready"])
def test_health_when_no_token_is_open(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert SECRET not in response.text and PASSWORD not in response.text
