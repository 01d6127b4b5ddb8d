"""`liqfade run notifier`: its own consumer group on `state`, `executions` and `feed`.

A separate process, so a slow or failing webhook can never hold up trading. Each decision is recorded
as a NotificationSent event (projected to `notifications`) in the same MULTI/EXEC as the XACK.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

import redis
from loguru import logger

from notifier.rules import Alert, Rules
from notifier.webhook import SendFailed, Target, send, target_of
from runtime import bus, logs
from runtime.core import Emit, envelopes
from runtime.heartbeat import heartbeat_envelope
from runtime.settings import get_settings
from runtime.worker import stop_on_signals, yield_cpu_to_trading
from schemas.registry import FIELD, SkipEvent, decode
from schemas.streams import EXECUTIONS, FEED, GROUP_NOTIFIER, STATE
from schemas.system import NotificationSent

INPUTS = (STATE, EXECUTIONS, FEED)


class Notifier:
    def __init__(
        self,
        client: redis.Redis,
        target: Target,
        rules: Rules,
        *,
        block_ms: int = 500,
        heartbeat_ms: int = 5_000,
        send_attempts: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        self.redis = client
        self.target = target
        self.rules = rules
        self.block_ms = block_ms
        self.heartbeat_ms = heartbeat_ms
        self.send_attempts = send_attempts
        self.backoff_s = backoff_s
        self.started_ms = _now_ms()
        self.processed = 0
        self._seq = 0
        self._next_heartbeat = 0
        self._recovering = True

    def run(self, stop: threading.Event) -> None:
        bus.keep_running(stop, self.start, self.step)

    def start(self) -> None:
        bus.wait_until_up(self.redis)
        for stream in INPUTS:
            bus.ensure_group(self.redis, stream, GROUP_NOTIFIER)
        self._recovering = True
        state = "disabled" if self.target.channel == "none" else "ready"
        self.record(
            Alert("notifier_started", f"start:{os.getpid()}", "notifier started"), state, 0, self.target.problem, []
        )

    def step(self) -> None:
        now = _now_ms()
        if now >= self._next_heartbeat:
            self.heartbeat(now)
            self._next_heartbeat = now + self.heartbeat_ms
        for alert in self.rules.due(now):
            self.deliver(alert, now, [])
        start = "0" if self._recovering else ">"
        replies: Any = self.redis.xreadgroup(
            GROUP_NOTIFIER,
            GROUP_NOTIFIER,
            cast(Any, dict.fromkeys(INPUTS, start)),
            count=100,
            block=None if self._recovering else self.block_ms,
        )
        entries = [(s.decode(), i.decode(), f) for s, items in replies or [] for i, f in items]
        if self._recovering and not entries:
            self._recovering = False
        for stream, entry_id, fields in entries:
            acks = [(stream, entry_id)]
            try:
                env = decode((fields or {}).get(FIELD, b""))
            except SkipEvent:
                self.ack(acks)
                continue
            alerts = self.rules.on_event(env, _now_ms())
            if not alerts:
                self.ack(acks)
            for index, alert in enumerate(alerts):
                self.deliver(alert, _now_ms(), acks if index == len(alerts) - 1 else [])
            self.processed += 1

    def deliver(self, alert: Alert, now: int, acks: Sequence[tuple[str, str]]) -> None:
        verdict = self.rules.admit(alert, now)
        if verdict is None:  # a duplicate inside the window
            self.ack(acks)
            return
        if verdict == "rate_limited" or self.target.channel == "none":
            status = "rate_limited" if verdict == "rate_limited" else "disabled"
            self.record(alert, status, 0, self.target.problem, acks)
            return
        try:
            attempts = send(
                self.target, f"[liqfade] {alert.message}", attempts=self.send_attempts, backoff_s=self.backoff_s
            )
        except SendFailed as failed:
            logger.error("alert {} not delivered: {}", alert.kind, failed.detail)
            self.record(alert, "failed", failed.attempts, failed.detail, acks)
            return
        self.record(alert, "sent", attempts, "", acks)

    def record(self, alert: Alert, status: str, attempts: int, detail: str, acks: Sequence[tuple[str, str]]) -> None:
        payload = NotificationSent(
            kind=alert.kind,
            channel=self.target.channel,
            status=status,
            attempts=attempts,
            dedup_key=alert.dedup_key,
            message=alert.message,
            detail=detail,
        )
        self._seq += 1
        pipe = self.redis.pipeline(transaction=True)
        bus.append(
            pipe,
            envelopes(
                [Emit(payload)],
                source="notifier",
                cause_id=f"notifier/{os.getpid()}/{self.started_ms}/{self._seq}",
                now=_now_ms(),
            ),
        )
        for stream, entry_id in acks:
            pipe.xack(stream, GROUP_NOTIFIER, entry_id)
        pipe.execute()

    def ack(self, acks: Sequence[tuple[str, str]]) -> None:
        for stream, entry_id in acks:
            self.redis.xack(stream, GROUP_NOTIFIER, entry_id)

    def heartbeat(self, now: int) -> None:
        lag = bus.group_lag(self.redis, INPUTS, GROUP_NOTIFIER)
        bus.append(self.redis, [heartbeat_envelope("notifier", self.started_ms, self.processed, lag, now)])


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def main() -> int:
    settings = get_settings()
    logs.configure("notifier", settings.log_level, settings.redis_url)
    logger.info("starting notifier with settings {}", settings.masked())
    yield_cpu_to_trading(settings)
    target = target_of(settings.alert_webhook_url.get_secret_value())
    if target.channel == "none":
        logger.warning("notifications disabled: {}", target.problem)
    client = bus.connect(settings.redis_url)
    rules = Rules(feed_down_ms=settings.alert_feed_down_seconds * 1000)
    Notifier(client, target, rules).run(stop_on_signals())
    return 0
