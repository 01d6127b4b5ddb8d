"""The strategy worker against a real Redis: md.BTCUSDT in, signals out, through CoreConsumer."""

from __future__ import annotations

import redis

from runtime import bus
from runtime.clock import VirtualClock
from runtime.core_handler import CoreConsumer
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode
from schemas.streams import SIGNALS, md
from strategy import runner as strategy_runner
from strategy.core import make_core
from strategy.state import StrategyState
from tests.strategy.builders import MIN, T0, config, spike_scenario


def signals(client: redis.Redis) -> list[Envelope]:
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(SIGNALS)  # type: ignore[assignment]
    return [decode(fields[FIELD]) for _, fields in entries]


def feed(worker: CoreConsumer[StrategyState], clock: VirtualClock, events: list[Envelope]) -> None:
    """Step a one-entry-per-read runner through the events, the clock at each event's time, as live."""
    worker.start()
    worker.step()  # nothing pending from a previous life: leaves recovery
    for event in events:
        clock.advance_to(event.ts)
        before = worker.processed
        worker.step()
        assert worker.processed == before + 1


def test_runner_when_md_events_are_appended_writes_the_setup_to_signals(redis_client: redis.Redis) -> None:
    events = sorted(spike_scenario(), key=lambda e: e.ts)
    bus.append(redis_client, events)
    assert redis_client.keys("md.*") == [md("BTCUSDT").encode()]
    clock = VirtualClock(T0)
    worker = CoreConsumer(make_core(config()), redis_client, clock=clock, block_ms=1, batch=1)
    feed(worker, clock, events)
    out = signals(redis_client)
    assert [e.type for e in out] == ["SetupDetected", "SetupConfirmed"]
    assert out[-1].correlation_id == f"BTCUSDT-LONG-{T0 + 5_000}"
    assert worker.processed == len(events)


def test_runner_when_restarted_resumes_from_its_snapshot(redis_client: redis.Redis) -> None:
    events = sorted(spike_scenario(), key=lambda e: e.ts)
    half = [e for e in events if e.ts <= T0 + MIN - 1]
    bus.append(redis_client, half)
    clock = VirtualClock(T0)
    feed(CoreConsumer(make_core(config()), redis_client, clock=clock, block_ms=1, batch=1), clock, half)
    assert [e.type for e in signals(redis_client)] == ["SetupDetected"]
    rest = [e for e in events if e not in half]
    bus.append(redis_client, rest)
    restarted = CoreConsumer(make_core(config()), redis_client, clock=clock, block_ms=1, batch=1)
    feed(restarted, clock, rest)
    assert restarted.state.symbols["BTCUSDT"].pending is None
    assert [e.type for e in signals(redis_client)] == ["SetupDetected", "SetupConfirmed"]


def test_runner_module_exposes_main() -> None:
    assert callable(strategy_runner.main)
