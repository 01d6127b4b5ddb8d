"""The replay driver: virtual time, timers between events, byte-identical output on a second run."""

from __future__ import annotations

from replay.drivers import ReplayDriver
from runtime.core import Emit, envelopes
from schemas.registry import encode
from tests.runtime.counting_core import CountingCore, CountSeen, CountState, CountTick, CountTimerFired


def ticks(times: list[int]) -> list:  # type: ignore[type-arg]
    out = []
    for i, ts in enumerate(times):
        out.extend(envelopes([Emit(CountTick(n=i), ts=ts)], source="test", cause_id=f"tick{i}", now=ts))
    return out


def run_once(times: list[int], until: int | None = None) -> list[bytes]:
    driver = ReplayDriver([CountingCore(report_every_ms=1_000)])
    return [encode(e) for e in driver.run(ticks(times), until=until)]


def test_replay_when_run_twice_is_byte_identical() -> None:
    times = [1_000, 1_200, 2_500, 2_500, 7_000]
    assert run_once(times, until=10_000) == run_once(times, until=10_000)


def test_replay_when_deadlines_pass_between_events_fires_timers_in_time_order() -> None:
    driver = ReplayDriver([CountingCore(report_every_ms=1_000)])
    outputs = list(driver.run(ticks([1_000, 3_500]), until=4_000))
    kinds = [(type(e.payload).__name__, e.ts) for e in outputs]
    assert kinds == [
        ("CountSeen", 1_000),
        ("CountTimerFired", 2_000),
        ("CountTimerFired", 3_000),
        ("CountSeen", 3_500),
        ("CountTimerFired", 4_000),
    ]
    assert isinstance(outputs[-1].payload, CountTimerFired) and outputs[-1].payload.total == 2
    assert all(e.causation_id for e in outputs)



def test_replay_when_outputs_feed_other_cores_routes_them_before_the_next_input() -> None:
    from runtime.core import Decision

    class Echo(CountingCore):
        """Reads the counter's output and answers on its own stream, once per CountSeen."""

        name = "echo"
        inputs = ("test.out",)

        def decide(self, state: CountState, event, now: int) -> Decision[CountState]:  # type: ignore[no-untyped-def]
            if isinstance(event.payload, CountSeen):
                return Decision(state, [Emit(CountTimerFired(total=event.payload.total * 10))])
            return Decision(state)

    outputs = list(ReplayDriver([CountingCore(), Echo()]).run(ticks([1_000, 2_000])))
    assert [(type(e.payload).__name__, getattr(e.payload, "total", None)) for e in outputs] == [
        ("CountSeen", 1), ("CountTimerFired", 10), ("CountSeen", 2), ("CountTimerFired", 20),
    ]


def test_replay_when_core_has_a_deadline_before_the_first_input_fires_it_at_the_first_input() -> None:
    class DueAtZero(CountingCore):
        def initial_state(self) -> CountState:
            return CountState(next_report=0)

    driver = ReplayDriver([DueAtZero(report_every_ms=1_000)])
    outputs = list(driver.run(ticks([1_761_151_200_000]), until=1_761_151_202_000))
    fired = [e.ts for e in outputs if isinstance(e.payload, CountTimerFired)]
    assert fired == [1_761_151_200_000, 1_761_151_201_000, 1_761_151_202_000]
