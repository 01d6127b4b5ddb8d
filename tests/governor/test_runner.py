"""The governor under the shared consumer, as `liqfade run governor` runs it, against a real Redis."""

from __future__ import annotations

import threading

import redis

from governor.core import make_core
from governor.state import GovState
from runtime import bus
from runtime.clock import VirtualClock
from runtime.core_handler import CoreConsumer
from schemas import streams
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode
from schemas.risk import BotStateChanged, EntryApproved
from schemas.types import BotStatus
from tests.governor.factories import T0, boot, config, envelope, setup


def read(client: redis.Redis, stream: str) -> list[Envelope]:
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(stream)  # type: ignore[assignment]
    return [decode(fields[FIELD]) for _, fields in entries]


def run_until(runner: CoreConsumer[GovState], client: redis.Redis, stream: str, kind: type,
              steps: int = 50) -> None:
    for _ in range(steps):
        runner.step()
        if any(isinstance(e.payload, kind) for e in read(client, stream)):
            return
    raise AssertionError(f"no {kind.__name__} on {stream} after {steps} steps")


def test_runner_when_setup_confirmed_after_boot_checks_writes_entry_approved_to_intents(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(T0)
    runner = CoreConsumer(make_core(config()), redis_client, clock=clock)
    runner.start()
    bus.append(redis_client, [envelope(boot(), T0, n=1)])
    run_until(runner, redis_client, streams.STATE, BotStateChanged)
    signal = setup(ts=T0)
    bus.append(redis_client, [envelope(signal, T0, correlation_id=signal.setup_id, n=2)])
    run_until(runner, redis_client, streams.INTENTS, EntryApproved)

    (approved,) = read(redis_client, streams.INTENTS)
    assert isinstance(approved.payload, EntryApproved)
    assert approved.correlation_id == approved.payload.setup_id == signal.setup_id
    assert approved.source == "governor"
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert [(c.from_state, c.to_state) for c in changes] == [("BOOTING", "RUNNING")]

    # a new process resumes from the snapshot: still RUNNING, the in-flight entry still counted
    restarted = CoreConsumer(make_core(config()), redis_client, clock=clock)
    restarted.start()
    assert restarted.state.status == BotStatus.RUNNING
    assert signal.setup_id in restarted.state.entries


def test_governor_when_stopped_commits_shutdown_and_next_start_waits_for_boot(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(T0)
    runner = CoreConsumer(make_core(config()), redis_client, clock=clock, shutdown_cause="SIGTERM")
    runner.start()
    bus.append(redis_client, [envelope(boot(), T0, n=1)])
    run_until(runner, redis_client, streams.STATE, BotStateChanged)

    runner.finish()  # what run() does once stop is set
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert (changes[-1].from_state, changes[-1].to_state) == ("RUNNING", "SHUTDOWN")
    assert changes[-1].cause == "SIGTERM"
    assert read(redis_client, streams.STATE)[-1].causation_id == f"shutdown/governor/{T0}"

    clock.advance_to(T0 + 60_000)
    restarted = CoreConsumer(make_core(config()), redis_client, clock=clock)
    restarted.start()
    restarted.step()
    assert restarted.state.status == BotStatus.BOOTING
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert (changes[-1].from_state, changes[-1].to_state) == ("SHUTDOWN", "BOOTING")


def test_governor_when_stopped_through_run_commits_shutdown_after_the_message_in_hand(
        redis_client: redis.Redis) -> None:
    bus.append(redis_client, [envelope(boot(), T0, n=1)])
    runner = CoreConsumer(make_core(config()), redis_client, clock=VirtualClock(T0), heartbeat_ms=None)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if read(redis_client, streams.STATE):
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(10)
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert [(c.from_state, c.to_state) for c in changes] == [("BOOTING", "RUNNING"), ("RUNNING", "SHUTDOWN")]
    assert redis_client.xpending(streams.EXECUTIONS, "governor")["pending"] == 0


def test_governor_when_stopped_with_nothing_saved_writes_nothing(redis_client: redis.Redis) -> None:
    runner = CoreConsumer(make_core(config()), redis_client, clock=VirtualClock(T0))
    runner.start()
    runner.finish()
    assert not read(redis_client, streams.STATE)
