"""Alerts reach a (local, fake) webhook once, failures are retried and recorded, nothing is silent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis

from notifier.handler import notification_consumer
from notifier.rules import Alert, Rules
from notifier.webhook import target_of
from runtime import bus
from schemas.account import UserStreamChanged
from schemas.envelope import Envelope
from schemas.feed import FeedRecovered, FeedStale
from schemas.positions import IncidentReported
from schemas.registry import FIELD, decode
from schemas.risk import BotStateChanged, ControlActionResult, RiskLimitHit
from schemas.system import NotificationSent, ProcessRestarted
from schemas.types import BotStatus, ExitReason
from tests.notifier.fake_webhook import FakeWebhook
from tests.projector.session import closed_trade, wrap
from tests.support.streams import entries


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    server = FakeWebhook()
    server.start()
    yield server
    server.stop()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def error_event(ts: int) -> Any:
    return wrap(BotStateChanged(from_state=BotStatus.RUNNING, to_state=BotStatus.ERROR, cause="boot failed"),
                ts, "governor")


def run_notifier(client: redis.Redis, url: str, events: list[Any], *, until: Any,
                 rules: Rules | None = None, **options: Any) -> list[NotificationSent]:
    notifier = notification_consumer(client, target_of(url), rules or Rules(), block_ms=20, backoff_s=0.01,
                                     **options)
    stop = threading.Event()
    thread = threading.Thread(target=notifier.run, args=(stop,), daemon=True)
    thread.start()
    bus.append(client, events)
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline and not until(recorded(client)):
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(10)
    return recorded(client)


def recorded(client: redis.Redis) -> list[NotificationSent]:
    out = []
    for _id, fields in cast(Any, entries(client, "logs")):
        payload = decode(fields[FIELD]).payload
        if isinstance(payload, NotificationSent):
            out.append(payload)
    return out


def alerts(records: list[NotificationSent]) -> list[NotificationSent]:
    return [r for r in records if r.kind != "notifier_started"]


def test_notifier_when_alerts_happen_posts_each_once_to_slack(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    t = now_ms()
    events = [
        error_event(t), error_event(t + 1),  # the same condition twice: one message
        wrap(RiskLimitHit(limit="daily_loss", detail="-20.3 of -20.25", until_ts=None), t + 2, "governor"),
        wrap(RiskLimitHit(limit="consecutive_losses", detail="3 in a row", until_ts=t + 3_600_000), t + 3,
             "governor"),
        wrap(ControlActionResult(command="FlattenRequested", idempotency_key="f1", actor="ops",
                                 outcome="accepted"), t + 4, "governor"),
        closed_trade("BTCUSDT-LONG-1", t + 5, "-0.4", reason=ExitReason.FLATTEN),
        wrap(RiskLimitHit(limit="max_trades", detail="10 of 10"), t + 6, "governor"),  # not alert-worthy
    ]
    records = run_notifier(redis_client, webhook.url(), events, until=lambda r: len(alerts(r)) >= 5)

    # across streams messages come in arrival order: within one millisecond, ids say nothing across streams
    assert sorted(r.kind for r in alerts(records)) == ["daily_loss_pause", "error_state", "flatten", "flatten",
                                                       "loss_streak_pause"]
    assert all(r.status == "sent" and r.channel == "slack" and r.attempts == 1 for r in alerts(records))
    assert len(webhook.received) == 5
    assert webhook.received[0][1] == {"text": "[liqfade] liqfade entered ERROR: boot failed"}
    assert records[0].kind == "notifier_started" and records[0].status == "ready"


def test_notifier_when_url_is_telegram_sends_chat_id(redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    url = webhook.url("/bot123456:ABC-token/sendMessage?chat_id=-1001")
    run_notifier(redis_client, url, [error_event(now_ms())], until=lambda r: len(alerts(r)) >= 1)

    path, body = webhook.received[0]
    assert path == "/bot123456:ABC-token/sendMessage"
    assert body == {"chat_id": "-1001", "text": "[liqfade] liqfade entered ERROR: boot failed"}


def test_notifier_when_webhook_fails_retries_then_records_failure(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    webhook.fail_with = 500
    records = run_notifier(redis_client, webhook.url(), [error_event(now_ms())], until=lambda r: len(alerts(r)) >= 1)

    failed = alerts(records)[0]
    assert (failed.status, failed.attempts, failed.detail) == ("failed", 3, "HTTP 500")
    assert len(webhook.received) == 3
    assert redis_client.xpending("state", "notifier")["pending"] == 0  # acknowledged all the same


def test_notifier_when_webhook_unreachable_records_failure_without_url(redis_client: redis.Redis) -> None:
    url = "http://127.0.0.1:9/secret-token-path"
    records = run_notifier(redis_client, url, [error_event(now_ms())], until=lambda r: len(alerts(r)) >= 1)

    failed = alerts(records)[0]
    assert failed.status == "failed" and "secret-token-path" not in failed.detail


def test_notifier_when_no_webhook_records_disabled(redis_client: redis.Redis) -> None:
    records = run_notifier(redis_client, "", [error_event(now_ms())], until=lambda r: len(alerts(r)) >= 1)

    assert (records[0].kind, records[0].status, records[0].channel) == ("notifier_started", "disabled", "none")
    assert alerts(records)[0].status == "disabled"


def test_notifier_when_feed_stale_longer_than_limit_alerts_once(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    t = now_ms()
    events = [wrap(FeedStale(symbol="BTCUSDT", kind="book", silent_ms=12_000), t, "ingest"),
              wrap(FeedStale(symbol="ETHUSDT", kind="kline", silent_ms=1_000), t, "ingest"),
              wrap(FeedRecovered(symbol="ETHUSDT", kind="kline", silent_ms=1_500), t + 500, "ingest")]
    records = run_notifier(redis_client, webhook.url(), events, rules=Rules(feed_down_ms=10_000),
                           until=lambda r: len(alerts(r)) >= 1)

    assert [(r.kind, r.dedup_key) for r in alerts(records)] == [("feed_down", "feed_down:BTCUSDT:book")]


def incident(kind: str, setup_id: str | None, halts: bool, ts: int) -> Any:
    return wrap(IncidentReported(kind=kind, symbol="BTCUSDT", setup_id=setup_id, detail=f"{kind} seen",
                                 action="recorded", halts=halts), ts, "executor")


def test_notifier_when_executions_report_exchange_events_alerts_each(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    t = now_ms()
    events = [
        incident("STOP_REPLACED", "S-1", False, t),
        closed_trade("S-2", t + 1, "-40.1", reason=ExitReason.LIQUIDATION),
        wrap(UserStreamChanged(connected=False, detail="listenKeyExpired"), t + 2, "executor"),
    ]
    records = run_notifier(redis_client, webhook.url(), events, rules=Rules(feed_down_ms=200),
                           until=lambda r: len(alerts(r)) >= 3)

    assert [(r.kind, r.dedup_key) for r in alerts(records)] == [
        ("incident", "incident:STOP_REPLACED:S-1"), ("liquidation", "liquidation:S-2"),
        ("feed_down", "feed_down:user_data")]
    assert alerts(records)[2].message.startswith("user-data stream disconnected (listenKeyExpired) for ")
    assert redis_client.xpending("executions", "notifier")["pending"] == 0


def test_rules_when_incident_does_not_halt_alerts_once_per_kind_and_setup() -> None:
    rules, t = Rules(), 1_000_000
    sent = [rules.admit(a, t) for e in (incident("STOP_REPLACED", "S-1", False, t),
                                        incident("STOP_REPLACED", "S-1", False, t),
                                        incident("STOP_REPLACED", "S-2", False, t),
                                        incident("TAKE_PROFIT_ENDED", "S-1", False, t))
            for a in rules.on_event(e, t)]
    assert sent == ["send", None, "send", "send"]
    [alert] = Rules().on_event(incident("POSITION_RESIZED", None, False, t), t)
    assert (alert.kind, alert.dedup_key) == ("incident", "incident:POSITION_RESIZED:")
    assert "trading goes on" in alert.message
    assert Rules().on_event(incident("NAKED_POSITION", "S-1", True, t), t) == []  # alerted as ERROR


def test_rules_when_position_closed_by_exchange_or_someone_else_alerts() -> None:
    t = 1_000_000
    kinds = {reason: [a.kind for a in Rules().on_event(closed_trade("S-1", t, "-1", reason=reason), t)]
             for reason in ExitReason}
    assert kinds == {ExitReason.TP: [], ExitReason.SL: [], ExitReason.TIME_STOP: [], ExitReason.INCIDENT: [],
                     ExitReason.FLATTEN: ["flatten"], ExitReason.LIQUIDATION: ["liquidation"],
                     ExitReason.ADL: ["adl"], ExitReason.EXTERNAL: ["external_close"]}
    [alert] = Rules().on_event(closed_trade("S-1", t, "-1", reason=ExitReason.EXTERNAL), t)
    assert alert.message.startswith("BTCUSDT LONG 0.010 closed by an order that is not ours at 95332.5")


def user_stream(connected: bool, ts: int) -> Any:
    return wrap(UserStreamChanged(connected=connected, detail="" if connected else "ws closed"), ts, "executor")


def test_rules_when_user_stream_down_longer_than_limit_alerts_once_and_rearms_when_back() -> None:
    rules, t = Rules(feed_down_ms=30_000), 1_000_000
    assert rules.on_event(user_stream(False, t), t) == [] and rules.due(t + 29_999) == []
    rules.on_event(user_stream(True, t + 5_000), t + 5_000)
    assert rules.due(t + 40_000) == []  # back within the limit: nothing to say

    rules.on_event(user_stream(False, t + 50_000), t + 50_000)
    rules.on_event(user_stream(False, t + 60_000), t + 60_000)  # still down: counted from the first report
    [alert] = rules.due(t + 81_000)
    assert (alert.kind, alert.dedup_key, alert.message) == (
        "feed_down", "feed_down:user_data", "user-data stream disconnected (ws closed) for 31s")
    assert rules.due(t + 90_000) == []
    rules.on_event(user_stream(True, t + 95_000), t + 95_000)
    rules.on_event(user_stream(False, t + 100_000), t + 100_000)
    assert len(rules.due(t + 130_000)) == 1


def test_rules_when_many_alerts_in_a_minute_rate_limit_the_rest() -> None:
    rules = Rules(max_per_minute=2)
    t = 1_000_000
    verdicts = [rules.admit(a, t) for e in range(4)
                for a in rules.on_event(wrap(RiskLimitHit(limit="venue_ban", detail=str(e)), t, "g"), t)]
    assert verdicts == ["send", None, None, None]  # same key: duplicates inside the window
    distinct = [rules.admit(a, t + 1) for i in range(4)
                for a in rules.on_event(wrap(ControlActionResult(command="FlattenRequested", idempotency_key=str(i),
                                                                 actor="x", outcome="accepted"), t, "g"), t)]
    assert distinct == ["send", "rate_limited", "rate_limited", "rate_limited"]
    assert rules.admit(rules.on_event(error_event(t), t)[0], t + 61_000) == "send"


def test_rules_when_event_is_old_history_does_not_alert() -> None:
    assert Rules().on_event(error_event(1_000), 1_000 + 3_600_000) == []


def test_target_when_url_kinds_detects_channel() -> None:
    assert target_of("https://hooks.slack.com/services/T/B/X").channel == "slack"
    assert target_of("https://api.telegram.org/bot1:x/sendMessage?chat_id=5").chat_id == "5"
    assert target_of("https://api.telegram.org/bot1:x/sendMessage").channel == "none"
    assert target_of("").problem == "no ALERT_WEBHOOK_URL configured"


def test_rules_when_a_process_keeps_dying_alerts_from_the_threshold_once_per_window() -> None:
    t = 1_000_000

    def died(deaths: int) -> Any:
        return wrap(ProcessRestarted(process="strategy", exit_code=-9, ran_s=2.0, deaths_in_window=deaths,
                                     window_s=600.0, alert_after=3, delay_s=4.0), t, "supervisor")

    rules = Rules()
    sent = [rules.admit(a, t) for deaths in (1, 2, 3, 4) for a in rules.on_event(died(deaths), t)]
    assert sent == ["send", None]
    [alert] = Rules().on_event(died(3), t)
    assert alert.message == "strategy died 3 times in 10 min (exit code -9); the supervisor restarts it in 4 s"


class BrokenOn(Rules):
    """Rules with a bug that shows on one event."""

    def __init__(self, event_id: str) -> None:
        super().__init__()
        self.event_id = event_id

    def on_event(self, env: Envelope, now: int) -> list[Alert]:
        if env.id == self.event_id:
            raise ValueError("a rule broke")
        return super().on_event(env, now)


def test_notifier_when_a_rule_keeps_failing_on_an_event_moves_it_to_the_dead_letter_stream(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    t = now_ms()
    poison = error_event(t)
    limit = wrap(RiskLimitHit(limit="daily_loss", detail="-20.3 of -20.25", until_ts=None), t + 1, "governor")
    records = run_notifier(redis_client, webhook.url(), [poison, limit], rules=BrokenOn(poison.id), max_deliveries=3,
                           until=lambda r: len(alerts(r)) >= 1 and bool(redis_client.xlen("dlq.state")))

    assert [r.kind for r in alerts(records)] == ["daily_loss_pause"]  # the event after it is not held up
    (dead,) = entries(redis_client, "dlq.state")
    assert decode(dead[1][FIELD]).id == poison.id and b"a rule broke" in dead[1][b"error"]
    assert redis_client.xpending("state", "notifier")["pending"] == 0


def test_notifier_when_events_were_left_pending_by_a_consumer_that_is_gone_claims_and_alerts(
        redis_client: redis.Redis, webhook: FakeWebhook) -> None:
    bus.append(redis_client, [error_event(now_ms())])
    bus.ensure_group(redis_client, "state", "notifier")
    bus.read_group(redis_client, "notifier", "notifier-before-rename", {"state": ">"}, count=10)  # never acked

    records = run_notifier(redis_client, webhook.url(), [], claim_idle_ms=0, until=lambda r: len(alerts(r)) >= 1)

    assert [r.kind for r in alerts(records)] == ["error_state"]
    assert redis_client.xpending("state", "notifier")["pending"] == 0
