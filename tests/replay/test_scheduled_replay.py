"""The scheduled replay: cores re-take recorded decisions at recorded times, timers only when recorded."""

from __future__ import annotations

from replay.drivers import ScheduledReplay, Step
from runtime.core import Decision, Emit, envelopes, timer_cause
from schemas.envelope import Envelope
from tests.runtime.counting_core import CountingCore, CountSeen, CountState, CountTick, CountTimerFired


def tick(n: int, ts: int) -> Envelope:
    return envelopes([Emit(CountTick(n=n))], source="test", cause_id=f"tick{n}", now=ts)[0]


class Clocked(CountingCore):
    """Emits at its decision time (no explicit ts), as the real cores do."""

    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        decision = super().decide(state, event, now)
        return Decision(decision.state, [Emit(e.payload) for e in decision.emits])


class Echo(CountingCore):
    """Reads the counter's output and answers with ten times its total."""

    name = "echo"
    inputs = ("test.out",)

    def decide(self, state: CountState, event: Envelope, now: int) -> Decision[CountState]:
        if isinstance(event.payload, CountSeen):
            return Decision(state, [Emit(CountTimerFired(total=event.payload.total * 10))])
        return Decision(state)


def test_scheduled_replay_when_steps_carry_times_decides_at_them_and_fires_timers_only_as_recorded() -> None:
    first, second = tick(1, 1_000), tick(2, 1_100)
    steps = [Step(1_040, first), Step(2_730), Step(3_010, second)]  # the deadline was 2_000: fired late
    outputs = list(ScheduledReplay([Clocked(report_every_ms=1_000)], {"counter": steps}).run())
    assert [(type(e.payload).__name__, e.ts, e.causation_id) for e in outputs] == [
        ("CountSeen", 1_040, first.id),
        ("CountTimerFired", 2_730, timer_cause("counter", 2_730)),
        ("CountSeen", 3_010, second.id),
    ]
    assert outputs[0].correlation_id == first.correlation_id
    again = list(ScheduledReplay([Clocked(report_every_ms=1_000)], {"counter": steps}).run())
    assert again == outputs


def test_scheduled_replay_when_an_input_was_written_by_a_replayed_core_waits_for_and_feeds_the_replayed_one(
) -> None:
    source = tick(1, 1_000)
    counter_steps = [Step(1_005, source)]
    replayed_seen = next(ScheduledReplay([Clocked()], {"counter": counter_steps}).run())
    recorded_seen = replayed_seen.model_copy(update={"payload": CountSeen(n=1, total=7)})  # the record lies
    # listed earlier than its writer's step: the echo must still wait for the counter
    driver = ScheduledReplay([Echo(), Clocked()], {"counter": counter_steps, "echo": [Step(900, recorded_seen)]})
    outputs = list(driver.run())
    assert [e.source for e in outputs] == ["counter", "echo"]
    assert outputs[1].payload == CountTimerFired(total=10)  # from the replayed total (1), not the recorded 7
    assert driver.substituted == 0


def test_scheduled_replay_when_a_replayed_core_did_not_write_an_input_feeds_the_recorded_one_and_counts_it(
) -> None:
    never = envelopes([Emit(CountSeen(n=5, total=5))], source="counter", cause_id="gone", now=500)[0]
    driver = ScheduledReplay([Clocked(), Echo()], {"counter": [Step(1_000, tick(1, 1_000))],
                                                   "echo": [Step(1_200, never)]})
    outputs = list(driver.run())
    assert [e.payload for e in outputs if e.source == "echo"] == [CountTimerFired(total=50)]
    assert driver.substituted == 1
