"""Config versions the bot could not apply safely: leverage or margin type changed under an open position
(409), or a mode other than the API's TRADING_MODE (422)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from api.deps import trading_mode
from runtime.settings import Settings
from schemas.positions import PositionOpened
from schemas.streams import ACTIVE_CONFIG_KEY
from tests.api.conftest import project
from tests.projector.session import T0, closed_trade, wrap

SETUP = f"BTCUSDT-LONG-{T0}"


def publish(client: TestClient, auth: dict[str, str], key: str, config: dict[str, Any]) -> Any:
    return client.post("/api/config/publish", headers={**auth, "Idempotency-Key": key}, json={"config": config})


def open_position(settings: Settings) -> None:
    opened = PositionOpened(setup_id=SETUP, symbol="BTCUSDT", side="LONG", qty=D("0.010"), entry_price=D("95000"),
                            stop_price=D("94572.5"), take_profit_price=D("95332.5"), opened_ts=T0,
                            time_stop_ts=T0 + 150_000)
    project(settings, [wrap(opened, T0, "executor", SETUP)])


def close_position(settings: Settings) -> None:
    project(settings, [closed_trade(SETUP, T0 + 60_000, "1.2")])


def versions(client: TestClient, auth: dict[str, str]) -> int:
    return int(client.get("/api/config/versions", headers=auth).json()["count"])


@pytest.mark.parametrize("change", [{"leverage": 3}, {"margin_type": "CROSSED"}])
def test_config_publish_when_venue_setting_changes_with_position_open_is_409_until_flat(
        client: TestClient, auth: dict[str, str], settings: Settings, change: dict[str, Any]) -> None:
    assert publish(client, auth, "base", {"leverage": 2}).status_code == 200
    open_position(settings)

    refused = publish(client, auth, "change-1", change)

    assert refused.status_code == 409
    detail = refused.json()["detail"]
    name = next(iter(change))
    assert f"{name} " in detail and "BTCUSDT LONG 0.010" in detail and SETUP in detail
    assert versions(client, auth) == 1
    close_position(settings)
    accepted = publish(client, auth, "change-1", change)  # a refusal stores nothing: the same key again
    assert accepted.status_code == 200 and accepted.json()["config"][name] == change[name]


def test_config_publish_when_position_open_and_only_other_fields_change_is_200(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    publish(client, auth, "base", {})
    open_position(settings)

    response = publish(client, auth, "tp", {"execution": {"tp_pct": 0.004}, "leverage": 2})

    assert response.status_code == 200 and response.json()["version"] == 2


def test_config_rollback_when_it_would_change_leverage_with_position_open_is_409(
        client: TestClient, auth: dict[str, str], settings: Settings, database_url: str) -> None:
    publish(client, auth, "v1", {"leverage": 1})
    publish(client, auth, "v2", {"leverage": 2})
    open_position(settings)

    refused = client.post("/api/config/rollback/1", headers={**auth, "Idempotency-Key": "rb"})

    assert refused.status_code == 409 and "leverage 2 → 1" in refused.json()["detail"]
    with psycopg.connect(database_url) as conn:
        outcome = conn.execute("SELECT outcome FROM risk_events WHERE idempotency_key = 'rb'").fetchone()
    assert outcome == ("rejected (409)",)  # the refusal is on the record
    close_position(settings)
    assert client.post("/api/config/rollback/1", headers={**auth, "Idempotency-Key": "rb"}).status_code == 200


def test_config_when_mode_differs_from_trading_mode_is_422_on_validate_publish_and_rollback(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis) -> None:
    live = {"config": {"mode": "live"}}

    checked = client.post("/api/config/validate", headers=auth, json=live)
    published = publish(client, auth, "live-1", {"mode": "live"})

    for response in (checked, published):
        assert response.status_code == 422
        body = response.json()
        assert body["detail"] == "config is invalid"
        [error] = body["errors"]
        assert error["field"] == "mode" and "TRADING_MODE=paper" in error["message"]
    assert versions(client, auth) == 0 and redis_client.get(ACTIVE_CONFIG_KEY) is None

    assert publish(client, auth, "paper-1", {}).status_code == 200  # mode "paper" by default
    client.app.dependency_overrides[trading_mode] = lambda: "live"  # type: ignore[attr-defined]
    default = client.post("/api/config/validate", headers=auth, json={"config": {"leverage": 9}}).json()
    assert {e["field"] for e in default["errors"]} == {"leverage", "mode"}  # every problem at once
    rollback = client.post("/api/config/rollback/1", headers={**auth, "Idempotency-Key": "rb-paper"})
    assert rollback.status_code == 422 and rollback.json()["errors"][0]["field"] == "mode"
    assert publish(client, auth, "live-2", {"mode": "live"}).status_code == 200
