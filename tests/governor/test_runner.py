"""The governor under the real stream runner, against a real Redis."""

from __future__ import annotations

import redis

from governor.core import make_core
from governor.runner import record_shutdown
from governor.state import GovState
from runtime import bus
from runtime.clock import VirtualClock
from runtime.runner import StreamRunner
from schemas import streams
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode
from schemas.risk import BotStateChanged, EntryApproved
from schemas.types import BotStatus
from tests.governor.factories import T0, boot, config, envelope, setup


def read(client: redis.Redis, stream: str) -> list[Envelope]:
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(stream)  # type: ignore[assignment]
    return [decode(fields[FIELD]) for _, fields in entries]


def run_until(runner: StreamRunner[GovState], client: redis.Redis, stream: str, kind: type,
              steps: int = 50) -> None:
    for _ in range(steps):
        runner.step()
        if any(isinstance(e.payload, kind) for e in read(client, stream)):
            return
    raise AssertionError(f"no {kind.__name__} on {stream} after {steps} steps")


def test_runner_when_setup_confirmed_after_boot_checks_writes_entry_approved_to_intents(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(T0)
    runner = StreamRunner(make_core(config()), redis_client, clock=clock)
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
    restarted = StreamRunner(make_core(config()), redis_client, clock=clock)
    restarted.start()
    assert restarted.state.status == BotStatus.RUNNING
    assert signal.setup_id in restarted.state.entries


def test_record_shutdown_when_state_saved_writes_shutdown_and_next_start_waits_for_boot(
        redis_client: redis.Redis) -> None:
    clock = VirtualClock(T0)
    core = make_core(config())
    runner = StreamRunner(core, redis_client, clock=clock)
    runner.start()
    bus.append(redis_client, [envelope(boot(), T0, n=1)])
    run_until(runner, redis_client, streams.STATE, BotStateChanged)

    assert record_shutdown(redis_client, core, clock, "SIGTERM")
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert (changes[-1].from_state, changes[-1].to_state) == ("RUNNING", "SHUTDOWN")

    clock.advance_to(T0 + 60_000)
    restarted = StreamRunner(make_core(config()), redis_client, clock=clock)
    restarted.start()
    restarted.step()
    assert restarted.state.status == BotStatus.BOOTING
    changes = [e.payload for e in read(redis_client, streams.STATE) if isinstance(e.payload, BotStateChanged)]
    assert (changes[-1].from_state, changes[-1].to_state) == ("SHUTDOWN", "BOOTING")


def test_record_shutdown_when_nothing_saved_does_nothing(redis_client: redis.Redis) -> None:
    assert not record_shutdown(redis_client, make_core(config()), VirtualClock(T0), "SIGTERM")
    assert not read(redis_client, streams.STATE)
