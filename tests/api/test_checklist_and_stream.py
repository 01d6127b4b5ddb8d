"""The daily checklist from real projected evidence, health, and the live SSE stream."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from runtime.settings import Settings
from schemas.positions import PositionOpened
from schemas.risk import RiskLimitHit
from schemas.system import LogRecorded, NotificationSent, ProcessHeartbeat
from tests.api.conftest import project
from tests.projector.session import closed_trade, heartbeat, wrap


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def items(client: TestClient, auth: dict[str, str]) -> dict[str, tuple[str, str]]:
    body = client.get("/api/checklist", headers=auth).json()
    return {i["key"]: (i["status"], i["evidence"]) for i in body["items"]}


def beats(t: int, names: tuple[str, ...]) -> list[Any]:
    return [wrap(ProcessHeartbeat(process=n, pid=1, started_ts=t, events_processed=1, lag=0, rss_mb=1.0), t, n)
            for n in names]


ALL = ("ingest", "strategy", "governor", "executor", "projector", "notifier")


def test_checklist_when_all_quiet_is_ok_with_evidence(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    t = now_ms()
    notify = NotificationSent(kind="notifier_started", channel="slack", status="ready", attempts=0,
                              dedup_key="s", message="notifier started")
    trades = [closed_trade(f"OK-{i}", t - 3_600_000 * (i + 1), "1.0") for i in range(3)]
    project(settings, [*beats(t, ALL), heartbeat(t), wrap(notify, t, "notifier"), *trades])

    found = items(client, auth)
    assert list(found) == ["services_online", "no_risk_limits_hit", "no_repeated_errors", "pnl_within_band",
                           "open_positions", "last_24h_trades", "notifications_ok"]
    assert {k: s for k, (s, _) in found.items()} == dict.fromkeys(found, "ok")
    assert found["last_24h_trades"][1] == "3 trades, 3 wins (100%), PnL +3.00 USDT"
    assert found["open_positions"][1] == "none"


def test_checklist_when_things_go_wrong_warns_and_fails_with_evidence(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    t = now_ms()
    errors = [wrap(LogRecorded(level="ERROR", process="executor", message="timeout", module="m"), t - i, "executor")
              for i in range(3)]
    failed = NotificationSent(kind="error_state", channel="telegram", status="failed", attempts=3, dedup_key="e",
                              message="m", detail="HTTP 500")
    started = NotificationSent(kind="notifier_started", channel="telegram", status="ready", attempts=0,
                               dedup_key="s", message="notifier started")
    stuck = PositionOpened(setup_id="S-1", symbol="BTCUSDT", side="LONG", qty=1, entry_price=1,
                           stop_price=1, take_profit_price=2, opened_ts=t - 600_000, time_stop_ts=t - 450_000)
    project(settings, [*beats(t, ALL[:4]), *errors, wrap(started, t - 10, "notifier"), wrap(failed, t, "notifier"),
                       wrap(RiskLimitHit(limit="daily_loss", detail="-21 of -20.25"), t, "governor"),
                       wrap(stuck, t - 600_000, "executor"), closed_trade("L-1", t - 1000, "-25")])

    found = items(client, auth)
    assert found["services_online"][0] == "fail" and "notifier (never seen)" in found["services_online"][1]
    assert found["no_risk_limits_hit"][0] == "warn" and "daily_loss" in found["no_risk_limits_hit"][1]
    assert found["no_repeated_errors"] == ("fail", "executor: timeout x3")
    assert found["open_positions"][0] == "fail"
    assert found["notifications_ok"][0] == "fail" and "HTTP 500" in found["notifications_ok"][1]
    assert client.get("/api/checklist", headers=auth).json()["status"] == "fail"


def test_checklist_when_notifier_disabled_says_so(client: TestClient, auth: dict[str, str],
                                                   settings: Settings) -> None:
    disabled = NotificationSent(kind="notifier_started", channel="none", status="disabled", attempts=0,
                                dedup_key="s", message="notifier started", detail="no ALERT_WEBHOOK_URL configured")
    project(settings, [wrap(disabled, now_ms(), "notifier")])
    assert items(client, auth)["notifications_ok"] == ("warn", "disabled: no ALERT_WEBHOOK_URL configured")


def test_health_when_services_up_is_bare_in_public_and_detailed_for_the_admin(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, beats(now_ms(), ALL))
    assert client.get("/api/health").json() == {"status": "ok"}
    assert client.get("/api/health/details").status_code == 401
    body = client.get("/api/health/details", headers=auth).json()
    assert body["postgres"]["ok"] and body["redis"]["ok"] and body["status"] == "ok"
    assert body["stream_lag"]["projector"] >= 0
    assert sorted(p["process"] for p in body["processes"]) == sorted([*ALL, "api"])  # the API's own heartbeat
    assert client.get("/api/ready").json() == {"detail": "ready"}


def test_stream_when_new_events_arrive_sends_state_then_events(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    later = threading.Timer(0.4, project, args=(settings, [closed_trade("SSE-1", now_ms(), "1")]))
    later.start()
    response = client.get("/api/stream", params={"max_seconds": 2.5, "interval_s": 0.2}, headers=auth)
    later.join()
    assert response.headers["content-type"].startswith("text/event-stream")
    text = response.text
    assert text.startswith("event: state\n")
    assert "event: event\ndata: " in text and '"type":"PositionClosed"' in text
