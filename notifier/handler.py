"""The notifier's handler under the shared consumer: its own group on `state`, `executions` and `feed`.

A separate process, so a slow or failing webhook can never hold up trading. Each decision is recorded
as a NotificationSent event (projected to `notifications`) in the same MULTI/EXEC as the message's ack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from loguru import logger

from notifier.rules import Alert, Rules
from notifier.webhook import SendFailed, Target, send
from runtime import bus
from runtime.clock import Clock, WallClock
from runtime.consumer import Command, Consumer, Handled, Handler, Message, StopSignal
from runtime.core import Emit, envelopes
from schemas.registry import FIELD, SkipEvent, decode, encode, stream_of
from schemas.streams import EXECUTIONS, FEED, GROUP_NOTIFIER, STATE
from schemas.system import NotificationSent

INPUTS = (STATE, EXECUTIONS, FEED)


class NotificationHandler(Handler):
    name = "notifier"

    def __init__(self, client: bus.Redis, target: Target, rules: Rules, clock: Clock, *, send_attempts: int = 3,
                 backoff_s: float = 0.5) -> None:
        self.redis = client
        self.target = target
        self.rules = rules
        self.clock = clock
        self.send_attempts = send_attempts
        self.backoff_s = backoff_s
        self.started_ms = clock.now_ms()
        self.processed = 0
        self._seq = 0

    def start(self, stop: StopSignal | None) -> None:
        state = "disabled" if self.target.channel == "none" else "ready"
        started = Alert("notifier_started", f"start:{os.getpid()}", "notifier started")
        writer = bus.Writer(self.redis)
        try:
            writer.transaction(self.record(started, state, 0, self.target.problem))
        finally:
            writer.close()

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        for message in messages:
            try:
                env = decode(message.raw or b"")
            except SkipEvent:
                yield Handled((message,))
                continue
            commands: list[Command] = []
            for alert in self.rules.on_event(env, self.clock.now_ms()):
                commands += self.deliver(alert, self.clock.now_ms())
            self.processed += 1
            yield Handled((message,), commands)

    def due(self, now: int) -> Iterator[Handled]:
        for alert in self.rules.due(now):
            commands = self.deliver(alert, now)
            if commands:
                yield Handled((), commands)

    def deliver(self, alert: Alert, now: int) -> list[Command]:
        """Send the alert when the rules admit it; returns its record (nothing for a duplicate)."""
        verdict = self.rules.admit(alert, now)
        if verdict is None:  # a duplicate inside the window
            return []
        if verdict == "rate_limited" or self.target.channel == "none":
            status = "rate_limited" if verdict == "rate_limited" else "disabled"
            return self.record(alert, status, 0, self.target.problem)
        try:
            attempts = send(
                self.target, f"[liqfade] {alert.message}", attempts=self.send_attempts, backoff_s=self.backoff_s
            )
        except SendFailed as failed:
            logger.error("alert {} not delivered: {}", alert.kind, failed.detail)
            return self.record(alert, "failed", failed.attempts, failed.detail)
        return self.record(alert, "sent", attempts, "")

    def record(self, alert: Alert, status: str, attempts: int, detail: str) -> list[Command]:
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
        cause = f"notifier/{os.getpid()}/{self.started_ms}/{self._seq}"
        [envelope] = envelopes([Emit(payload)], source="notifier", cause_id=cause, now=self.clock.now_ms())
        return [("XADD", stream_of(envelope.payload), "*", FIELD, encode(envelope))]


def notification_consumer(client: bus.Redis, target: Target, rules: Rules, *, block_ms: int = 500,
                          heartbeat_ms: int = 5_000, send_attempts: int = 3, backoff_s: float = 0.5,
                          max_deliveries: int = 5, claim_idle_ms: int = 30_000) -> Consumer[NotificationHandler]:
    """The notifier: alerts from `state`, `executions` and `feed`, as the `notifier` group."""
    clock = WallClock()
    handler = NotificationHandler(client, target, rules, clock, send_attempts=send_attempts, backoff_s=backoff_s)
    return Consumer(handler, client, INPUTS, group=GROUP_NOTIFIER, clock=clock, batch=100, block_ms=block_ms,
                    heartbeat_ms=heartbeat_ms, max_deliveries=max_deliveries, claim_idle_ms=claim_idle_ms)
