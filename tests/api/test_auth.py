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
    claims = {"sub": EMAIL, "role": "admin", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, key=None, algorithm="none")
    response = client.get("/api/state", headers=bearer(token))
    assert response.status_code == 401
    assert "not accepted" in response.json()["detail"]


def test_token_when_other_hmac_alg_is_401(client: TestClient) -> None:
    claims = {"sub": EMAIL, "role": "admin", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, SECRET, algorithm="HS512")
    assert client.get("/api/state", headers=bearer(token)).status_code == 401


def test_token_when_garbage_is_401(client: TestClient) -> None:
    assert client.get("/api/state", headers=bearer("not.a.token")).status_code == 401


def test_token_when_role_not_admin_is_403(client: TestClient) -> None:
    claims = {"sub": EMAIL, "role": "viewer", "exp": int(time.time()) + 60}
    response = client.get("/api/state", headers=bearer(jwt.encode(claims, SECRET, algorithm="HS256")))
    assert response.status_code == 403


def test_token_when_role_missing_is_401(client: TestClient) -> None:
    claims = {"sub": EMAIL, "exp": int(time.time()) + 60}
    assert client.get("/api/state", headers=bearer(jwt.encode(claims, SECRET, algorithm="HS256"))).status_code == 401


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


def test_login_when_body_invalid_is_422_naming_field(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": EMAIL})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.password"


@pytest.mark.parametrize("path", ["/api/health", "/api/ready"])
def test_health_when_no_token_is_open(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert SECRET not in response.text and PASSWORD not in response.text
