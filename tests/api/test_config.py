"""Config: validate, publish (DB + Redis + event), invalid → 422 with fields, rollback, idempotency."""

from __future__ import annotations

from typing import Any, cast

import orjson
import redis
from fastapi.testclient import TestClient

from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.registry import FIELD, decode
from schemas.streams import ACTIVE_CONFIG_KEY


def post(client: TestClient, auth: dict[str, str], path: str, key: str | None, body: object = None) -> object:
    headers = {**auth, **({"Idempotency-Key": key} if key else {})}
    return client.post(path, headers=headers, json=body)


def commands(redis_client: redis.Redis) -> list[object]:
    return [decode(f[FIELD]) for _, f in cast(Any, redis_client.xrange("commands"))]


def test_config_current_when_nothing_published_is_the_default(client: TestClient, auth: dict[str, str]) -> None:
    current = client.get("/api/config/current", headers=auth).json()
    assert current["source"] == "default" and current["config"] == BotConfig().model_dump(mode="json")


def test_config_validate_when_valid_shows_effective_risk(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/config/validate", headers=auth, json={"config": {}})
    assert response.status_code == 200
    assert float(response.json()["effective_risk_pct"]) == 0.0018 and response.json()["valid"] is True


def test_config_publish_when_valid_stores_version_in_db_redis_and_stream(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis) -> None:
    response = post(client, auth, "/api/config/publish", "pub-1",
                    {"config": {"leverage": 3, "risk": {"max_trades_per_day": 5}}, "note": "tighter"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert (body["version"], body["author"], body["note"], body["active"]) == (1, "ops@liqfade.test", "tighter", True)
    stored = BotConfig.model_validate_json(redis_client.get(ACTIVE_CONFIG_KEY))  # type: ignore[arg-type]
    assert stored.version == 1 and stored.leverage == 3
    [event] = commands(redis_client)
    assert isinstance(event.payload, ConfigPublished)  # type: ignore[attr-defined]
    assert event.payload.version == 1 and event.payload.idempotency_key == "pub-1"  # type: ignore[attr-defined]
    current = client.get("/api/config/current", headers=auth).json()
    assert current["version"] == 1 and current["config"]["risk"]["max_trades_per_day"] == 5


def test_config_publish_when_invalid_is_422_with_fields_and_no_version(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis) -> None:
    bad = {"config": {"risk": {"risk_per_trade_pct": 0.5}, "leverage": "2", "symbols": ["SOLUSDT"]}}
    response = post(client, auth, "/api/config/publish", "pub-bad", bad)
    assert response.status_code == 422  # type: ignore[attr-defined]
    fields = {e["field"] for e in response.json()["errors"]}  # type: ignore[attr-defined]
    assert {"risk.risk_per_trade_pct", "leverage"} <= fields
    coherent = post(client, auth, "/api/config/publish", "pub-bad2", {"config": {"symbols": ["SOLUSDT"]}})
    assert coherent.json()["errors"][0]["field"] == "symbols"  # type: ignore[attr-defined]
    assert client.get("/api/config/versions", headers=auth).json()["count"] == 0
    assert commands(redis_client) == [] and redis_client.get(ACTIVE_CONFIG_KEY) is None


def test_config_publish_when_same_key_twice_creates_one_version(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis, database_url: str) -> None:
    body = {"config": {"leverage": 1}}
    first = post(client, auth, "/api/config/publish", "same", body).json()  # type: ignore[attr-defined]
    again = post(client, auth, "/api/config/publish", "same", body).json()  # type: ignore[attr-defined]
    assert first == again
    assert client.get("/api/config/versions", headers=auth).json()["count"] == 1
    assert len(commands(redis_client)) == 1
    other = post(client, auth, "/api/config/publish", "same", {"config": {"leverage": 3}})
    assert other.status_code == 409  # type: ignore[attr-defined]
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT type, actor, idempotency_key, outcome FROM risk_events").fetchall()
    assert rows == [("api:config.publish", "ops@liqfade.test", "same", "published v1")]


def test_config_rollback_when_version_exists_creates_new_equal_version(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis) -> None:
    post(client, auth, "/api/config/publish", "v1", {"config": {"leverage": 1}})
    post(client, auth, "/api/config/publish", "v2", {"config": {"leverage": 3}})

    response = post(client, auth, "/api/config/rollback/1", "rb-1")

    body = response.json()  # type: ignore[attr-defined]
    assert (body["version"], body["note"], body["config"]["leverage"]) == (3, "rollback to v1", 1)
    versions = client.get("/api/config/versions", headers=auth).json()
    assert [(v["version"], v["active"]) for v in versions["data"]] == [(3, True), (2, False), (1, False)]
    v1 = versions["data"][2]["config"]
    assert {**body["config"], "version": 1} == v1
    assert orjson.loads(redis_client.get(ACTIVE_CONFIG_KEY))["leverage"] == 1  # type: ignore[arg-type]
    assert post(client, auth, "/api/config/rollback/99", "rb-2").status_code == 404  # type: ignore[attr-defined]


def test_post_when_idempotency_key_missing_is_400(client: TestClient, auth: dict[str, str]) -> None:
    for path in ("/api/config/publish", "/api/config/rollback/1", "/api/control/pause", "/api/control/resume",
                 "/api/control/flatten", "/api/control/reset-daily", "/api/control/health-check"):
        response = client.post(path, headers=auth, json={"config": {}} if path.endswith("publish") else None)
        assert response.status_code == 400, path
        assert response.json()["detail"] == "the Idempotency-Key header is required"



def test_config_publish_when_a_number_exceeds_64_bits_is_422_not_500(client: TestClient, auth: dict[str, str]) -> None:
    body = {"config": {"leverage": 2**70}, "note": "fuzz"}
    response = client.post("/api/config/publish", json=body, headers={**auth, "Idempotency-Key": "big-int"})
    assert response.status_code == 422
