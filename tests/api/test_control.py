"""Controls: a command on `commands` with a derived id, once per key, audited; the reply is reported."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from runtime import bus
from runtime.core import Emit, envelopes
from schemas.envelope import Payload, derive_id
from schemas.orders import CheckResult, HealthCheckResult
from schemas.registry import FIELD, decode
from schemas.risk import ControlActionResult

CONTROLS = [("pause", "PauseRequested"), ("resume", "ResumeRequested"), ("flatten", "FlattenRequested"),
            ("reset-daily", "DailyCountersResetRequested")]


def answer_once(redis_url: str, reply: Payload, key: str) -> threading.Thread:
    """A stand-in for the governor/executor: waits for the command, then appends the reply."""
    def run() -> None:
        client = redis.Redis.from_url(redis_url)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for _id, fields in cast(Any, client.xrange("commands")):
                if getattr(decode(fields[FIELD]).payload, "idempotency_key", None) == key:
                    bus.append(client, envelopes([Emit(reply)], source="fake", cause_id=key,
                                                 now=time.time_ns() // 1_000_000))
                    return
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("path", "command"), CONTROLS)
def test_control_when_posted_twice_with_same_key_sends_one_command_and_one_risk_event(
        client: TestClient, auth: dict[str, str], redis_client: redis.Redis, database_url: str,
        path: str, command: str) -> None:
    headers = {**auth, "Idempotency-Key": f"key-{path}"}
    first = client.post(f"/api/control/{path}", headers=headers)
    again = client.post(f"/api/control/{path}", headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["status"] == "submitted" and first.json()["command"] == command
    [(_, fields)] = cast(Any, redis_client.xrange("commands"))
    sent = decode(fields[FIELD])
    assert sent.type == command and sent.source == "api"
    assert sent.payload.actor == "ops@liqfade.test"  # type: ignore[attr-defined]
    assert sent.id == first.json()["command_id"] == derive_id(f"api/key-{path}", 0, sent.ts)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT type, actor, idempotency_key, outcome FROM risk_events").fetchall()
    assert rows == [(f"api:control.{path}", "ops@liqfade.test", f"key-{path}", "submitted")]


def test_control_when_governor_answers_reports_its_outcome(
        client: TestClient, auth: dict[str, str], redis_url: str) -> None:
    reply = ControlActionResult(command="ResumeRequested", idempotency_key="r-1", actor="ops@liqfade.test",
                                outcome="refused", reason="daily loss limit still holds")
    thread = answer_once(redis_url, reply, "r-1")
    response = client.post("/api/control/resume", headers={**auth, "Idempotency-Key": "r-1"})
    thread.join()
    assert (response.json()["status"], response.json()["reason"]) == ("refused", "daily loss limit still holds")


def test_control_pause_when_reason_given_carries_it(client: TestClient, auth: dict[str, str],
                                                     redis_client: redis.Redis) -> None:
    client.post("/api/control/pause", headers={**auth, "Idempotency-Key": "p-r"}, json={"reason": "news"})
    assert decode(cast(Any, redis_client.xrange("commands"))[0][1][FIELD]).payload.reason == "news"  # type: ignore[attr-defined]


def test_health_check_when_executor_answers_returns_checks(
        client: TestClient, auth: dict[str, str], redis_url: str) -> None:
    reply = HealthCheckResult(idempotency_key="hc-1", ok=True,
                              checks=(CheckResult(name="ping", ok=True, detail="12 ms"),))
    thread = answer_once(redis_url, reply, "hc-1")
    response = client.post("/api/control/health-check", headers={**auth, "Idempotency-Key": "hc-1"})
    thread.join()
    body = response.json()
    assert body["status"] == "ok" and body["checks"] == [{"name": "ping", "ok": True, "detail": "12 ms"}]


def test_health_check_when_a_check_fails_returns_every_named_check_with_its_fix(
        client: TestClient, auth: dict[str, str], redis_url: str) -> None:
    checks = (CheckResult(name="connectivity", ok=True, detail="ping 12 ms"),
              CheckResult(name="margin_type_BTCUSDT", ok=False,
                          detail="CROSSED, config says ISOLATED: close the BTCUSDT position, then restart"),
              CheckResult(name="user_stream", ok=True, detail="connected 40 s ago"))
    thread = answer_once(redis_url, HealthCheckResult(idempotency_key="hc-3", ok=False, checks=checks), "hc-3")
    response = client.post("/api/control/health-check", headers={**auth, "Idempotency-Key": "hc-3"})
    thread.join()
    body = response.json()
    assert body["status"] == "failed"
    assert [(c["name"], c["ok"]) for c in body["checks"]] == [
        ("connectivity", True), ("margin_type_BTCUSDT", False), ("user_stream", True)]
    assert body["checks"][1]["detail"].endswith("then restart")
    again = client.post("/api/control/health-check", headers={**auth, "Idempotency-Key": "hc-3"}).json()
    assert again == body  # the stored answer, typed the same


def test_health_check_when_nobody_answers_times_out(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/control/health-check", headers={**auth, "Idempotency-Key": "hc-2"})
    assert (response.status_code, response.json()["status"]) == (200, "timeout")


def test_control_when_key_has_spaces_is_400(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/api/control/pause", headers={**auth, "Idempotency-Key": "a b"}).status_code == 400
