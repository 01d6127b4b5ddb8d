"""Schedules from a record: a real CoreConsumer's session (real Redis, a clock the test moves) is replayed
step for step and gives its outputs again byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import orjson
import redis

from replay.drivers import ReplayDriver, ScheduledReplay, Step
from replay.schedule import core_schedule, schedules
from replay.sources.recording import Recorded
from runtime.clock import VirtualClock
from runtime.core import Decision, Emit, envelopes
from runtime.core_handler import CoreConsumer
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode, encode
from schemas.streams import HEARTBEATS
from tests.runtime.counting_core import IN, OUT, CountingCore, CountSeen, CountState, CountTick, CountTimerFired


class Quiet(CountingCore):
    """Answers even ticks only, at its decision time; its timer reports how many ticks it has seen."""

    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        decision = super().decide(state, event, now)
        assert isinstance(event.payload, CountTick)
        return Decision(decision.state, [Emit(e.payload) for e in decision.emits if event.payload.n % 2 == 0])


def tick(n: int, ts: int) -> Envelope:
    return envelopes([Emit(CountTick(n=n))], source="test", cause_id=f"tick{n}", now=ts)[0]


def recorded(client: redis.Redis, *streams: str) -> list[Recorded]:
    out = []
    for stream in streams:
        for entry_id, fields in cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(stream)):
            out.append(Recorded(stream, entry_id.decode(), decode(fields[FIELD])))
    return out


def test_schedule_when_a_runner_session_is_replayed_gives_its_outputs_byte_for_byte(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(10_000)
    runner = CoreConsumer(Quiet(report_every_ms=1_000), redis_client, clock=clock, heartbeat_ms=None)
    runner.start()
    runner.step()  # takes back what was pending (nothing)
    # (arrival id ms, tick n, the clock when the runner gets to it); timers fire late, at the runner's step
    for arrival, n, clock_at in [(10_000, 2, 10_003), (10_500, 1, 10_600), (None, 0, 11_200),
                                 (11_300, 3, 11_350), (12_000, 4, 12_100), (None, 0, 12_500)]:
        if arrival is not None:
            redis_client.xadd(IN, {FIELD: encode(tick(n, arrival - 10))}, id=f"{arrival}-0")
        clock.advance_to(clock_at)
        runner.step()
    session = recorded(redis_client, IN, OUT)
    live = [r.envelope for r in session if r.stream == OUT]
    assert [(e.type, e.ts) for e in live] == [("CountSeen", 10_003), ("CountTimerFired", 11_200),
                                               ("CountSeen", 12_100), ("CountTimerFired", 12_500)]

    plan = schedules(session, [Quiet(report_every_ms=1_000)])["counter"]
    assert (len(plan.steps), plan.timed, plan.timers, plan.unscheduled) == (6, 2, 2, [])
    replayed = list(ScheduledReplay([Quiet(report_every_ms=1_000)], {"counter": plan.steps}).run())
    assert [encode(e) for e in replayed] == [encode(e) for e in live]

    inputs = [r.envelope for r in session if r.stream == IN]
    virtual = list(ReplayDriver([Quiet(report_every_ms=1_000)]).run(inputs, until=12_500))
    assert [e.id for e in virtual] != [e.id for e in live], "virtual time decides at event time, not as live did"


def test_core_schedule_when_inputs_were_silent_places_them_by_arrival_at_the_previous_decision_time() -> None:
    core = Quiet(report_every_ms=1_000)
    a, b, c = tick(1, 1_000), tick(2, 1_500), tick(3, 2_500)
    seen = envelopes([Emit(CountTick(n=0))], source="counter", cause_id=b.id, now=1_520)[0]
    fired = envelopes([Emit(CountTick(n=0))], source="counter", cause_id="timer/counter/2000", now=2_000)[0]
    record = [Recorded(IN, "2600-0", c), Recorded(IN, "1001-0", a), Recorded(IN, "1502-0", b),
              Recorded(OUT, "1521-0", seen), Recorded(OUT, "2001-0", fired)]
    plan = core_schedule(record, core)
    assert plan.steps == [Step(1_520, a), Step(1_520, b), Step(2_000), Step(2_000, c)]
    assert (plan.timed, plan.timers) == (1, 1)


@dataclass(frozen=True)
class BootState:
    booted: bool = False
    total: int = 0


class Rebooting:
    """Announces its boot at the first timer after every start, as the paper executor does after a restart."""

    name = "rebooting"
    inputs = (IN,)

    def initial_state(self) -> BootState:
        return BootState()

    def decide(self, state: BootState, event: Envelope, now: int) -> Decision[BootState]:
        assert isinstance(event.payload, CountTick)
        total = state.total + 1
        return Decision(replace(state, total=total), [Emit(CountSeen(n=event.payload.n, total=total))])

    def on_timer(self, state: BootState, now: int) -> Decision[BootState]:
        if state.booted:
            return Decision(state)
        return Decision(replace(state, booted=True), [Emit(CountTimerFired(total=state.total))])

    def next_deadline(self, state: BootState) -> int | None:
        return None if state.booted else 0

    def snapshot(self, state: BootState) -> bytes:
        return orjson.dumps(state.total)

    def restore(self, raw: bytes) -> BootState:
        return BootState(booted=False, total=int(orjson.loads(raw)))


def test_schedule_when_the_runner_restarted_mid_session_replays_the_restart_too(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(10_000)
    first = CoreConsumer(Rebooting(), redis_client, clock=clock, heartbeat_ms=None)
    first.start()
    for arrival, n in [(10_100, 1), (10_200, 2)]:
        redis_client.xadd(IN, {FIELD: encode(tick(n, arrival))}, id=f"{arrival}-0")
        clock.advance_to(arrival + 5)
        first.step()
    redis_client.xadd(IN, {FIELD: encode(tick(3, 10_300))}, id="10300-0")  # arrives while it is down
    clock.advance_to(10_400)
    restarted = CoreConsumer(Rebooting(), redis_client, clock=clock, heartbeat_ms=None)  # a new process
    restarted.start()
    for at in (10_405, 10_410):
        clock.advance_to(at)
        restarted.step()
    session = recorded(redis_client, IN, OUT, HEARTBEATS)
    live = [r.envelope for r in session if r.stream == OUT]
    assert [e.type for e in live] == ["CountTimerFired", "CountSeen", "CountSeen", "CountTimerFired", "CountSeen"]

    plan = schedules(session, [Rebooting()])["rebooting"]
    assert plan.restores == 1 and plan.unscheduled == []
    replayed = list(ScheduledReplay([Rebooting()], {"rebooting": plan.steps}).run())
    assert [encode(e) for e in replayed] == [encode(e) for e in live]
