"""A trivial core for runner tests: counts ticks, echoes each with the running total, fires a timer."""

from __future__ import annotations

from dataclasses import dataclass, replace

import orjson

from runtime.core import Decision, Emit
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.registry import event

IN, OUT = "test.in", "test.out"


@event(IN)
class CountTick(Payload):
    n: int


@event(OUT)
class CountSeen(Payload):
    n: int
    total: int


@event(OUT)
class CountTimerFired(Payload):
    total: int


@dataclass(frozen=True)
class CountState:
    total: int = 0
    checksum: int = 0
    next_report: int | None = None


class CountingCore:
    name = "counter"
    inputs: tuple[str, ...] = (IN,)

    def __init__(self, report_every_ms: int | None = None) -> None:
        self.report_every_ms = report_every_ms

    def initial_state(self) -> CountState:
        return CountState()

    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        assert isinstance(event.payload, CountTick)
        n = event.payload.n
        total = state.total + 1
        nxt = state.next_report
        if self.report_every_ms and nxt is None:
            nxt = event.ts + self.report_every_ms
        new = replace(state, total=total, checksum=(state.checksum * 31 + n) % 1_000_000_007, next_report=nxt)
        return Decision(new, [Emit(CountSeen(n=n, total=total), ts=event.ts)])

    def on_timer(self, state: CountState, now: int) -> Decision[CountState]:
        assert self.report_every_ms
        return Decision(replace(state, next_report=now + self.report_every_ms),
                        [Emit(CountTimerFired(total=state.total))])

    def next_deadline(self, state: CountState) -> int | None:
        return state.next_report

    def snapshot(self, state: CountState) -> bytes:
        return orjson.dumps([state.total, state.checksum, state.next_report])

    def restore(self, raw: bytes) -> CountState:
        total, checksum, nxt = orjson.loads(raw)
        return CountState(total, checksum, nxt)


def make_core(_config: BotConfig | None) -> CountingCore:
    return CountingCore()
