"""Drills: the TP scenario (tests/e2e/test_scenarios.py, same test config) with processes SIGKILLed at
random moments and restarted (all six workers across the drills, ingest and the API twice), with Redis
restarted mid-session (AOF fsynced every second, as in docker-compose) and with PostgreSQL restarted (a
private cluster: the machine's shared one is never touched). The trade must complete and every invariant
hold; the kill and Redis drills then replay the recorded session, restarts included, byte for byte. The
random moments come from a seed printed in the output (LIQFADE_DRILL_SEED reproduces a run).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import HarnessFactory
from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.harness import Harness
from tests.e2e.invariants import check_all
from tests.e2e.make_scenarios import ENTRY_S, LIVE_AT, SPIKE_S
from tests.e2e.test_scenarios import CONFIG, assert_invariants, assert_replay_reproduces, one_trade


def seeded() -> random.Random:
    seed = int(os.environ.get("LIQFADE_DRILL_SEED") or time.time_ns() % 1_000_000)
    print(f"drill seed {seed} (LIQFADE_DRILL_SEED={seed} reproduces the schedule)")
    return random.Random(seed)


def run_schedule(h: Harness, schedule: list[tuple[float, str]]) -> None:
    """At each scheduled second after start, SIGKILL and restart the process (or restart Redis or
    PostgreSQL)."""
    for at, name in sorted(schedule):
        time.sleep(max(0.0, at - h.elapsed()))  # a chosen moment, not a synchronisation
        if name == "redis":
            h.restart_redis()
        elif name == "postgres":
            h.restart_postgres()
        else:
            h.restart(name)
        print(f"+{h.elapsed():.1f}s restarted {name}")


@pytest.mark.slow
@pytest.mark.timeout(540)
def test_drill_when_workers_are_sigkilled_at_random_moments_the_trade_completes(
        harness: HarnessFactory, tmp_path: Path) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT)
    rng = seeded()
    # windows: during the burst / detection, while the setup waits, around the entry, anywhere
    schedule = [(rng.uniform(14, 35), "strategy"), (rng.uniform(35, 110), "governor"),
                (rng.uniform(112, 124), "executor"), (rng.uniform(20, 125), "projector")]
    print("schedule", [(round(t, 1), n) for t, n in sorted(schedule)])
    run_schedule(h, schedule)
    one_trade(h, "TP")
    assert h.restarts == {"strategy": 1, "governor": 1, "executor": 1, "projector": 1}
    assert_invariants(h)
    assert_replay_reproduces(h, tmp_path, min_executions=12)  # the restarts included


@pytest.mark.slow
@pytest.mark.timeout(540)
def test_drill_when_redis_restarts_mid_session_nothing_is_lost_and_the_trade_completes(
        harness: HarnessFactory, tmp_path: Path) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT)
    rng = seeded()
    schedule = [(rng.uniform(30, 100), "redis"), (rng.uniform(125, 130), "redis")]
    print("schedule", [(round(t, 1), n) for t, n in sorted(schedule)])
    run_schedule(h, schedule)
    one_trade(h, "TP")
    assert_invariants(h)
    assert_replay_reproduces(h, tmp_path, min_executions=12)


def in_scenario(h: Harness, rng: random.Random, name: str, first_s: float, last_s: float) -> tuple[float, str]:
    """A moment drawn uniformly between two scenario seconds, as a harness time (`elapsed()`)."""
    return h.elapsed_at(rng.uniform(first_s, last_s)), name


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_drill_when_every_worker_is_sigkilled_in_a_live_session_the_trade_completes_and_stays_protected(
        harness: HarnessFactory, tmp_path: Path) -> None:
    """Live (the executor trades against the simulator, whose own record is checked): ingest and the API
    twice each, every other worker once; the executor while the position is open."""
    h = harness("e2e_tp", CONFIG, LIVE_AT, mode="live")
    recorder = ExchangeRecorder(h.sim_url)
    recorder.start()
    try:
        rng = seeded()
        # ingest: during the burst and while the setup waits (not at the candle close that confirms it)
        schedule = [in_scenario(h, rng, "ingest", SPIKE_S, SPIKE_S + 20),
                    in_scenario(h, rng, "ingest", SPIKE_S + 35, ENTRY_S - 12),
                    in_scenario(h, rng, "api", SPIKE_S - 10, ENTRY_S - 20),
                    in_scenario(h, rng, "api", ENTRY_S, ENTRY_S + 30),
                    in_scenario(h, rng, "strategy", SPIKE_S + 25, ENTRY_S - 15),
                    in_scenario(h, rng, "governor", SPIKE_S, ENTRY_S - 10),
                    in_scenario(h, rng, "executor", ENTRY_S + 3, ENTRY_S + 25),
                    in_scenario(h, rng, "projector", SPIKE_S, ENTRY_S + 30)]
        print("schedule", [(round(t, 1), n) for t, n in sorted(schedule)])
        run_schedule(h, schedule)
        one_trade(h, "TP")
        h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position in /api/state")
        assert h.restarts == {"ingest": 2, "api": 2, "strategy": 1, "governor": 1, "executor": 1, "projector": 1}
        problems = check_all(h, recorder, status="RUNNING")
    finally:
        recorder.stop()
        h.dump_streams()
    assert not problems, "\n".join(problems)
    assert_replay_reproduces(h, tmp_path, min_executions=6)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_drill_when_postgres_restarts_mid_session_the_projector_and_api_recover_and_the_trade_completes(
        harness: HarnessFactory) -> None:
    """A private PostgreSQL cluster (the machine's shared one is left alone), restarted twice with a 3 s
    outage: while the setup waits and while the position is open."""
    h = harness("e2e_tp", CONFIG, LIVE_AT, private_postgres=True)
    rng = seeded()
    schedule = [in_scenario(h, rng, "postgres", SPIKE_S, ENTRY_S - 10),
                in_scenario(h, rng, "postgres", ENTRY_S + 2, ENTRY_S + 30)]
    print("schedule", [(round(t, 1), n) for t, n in sorted(schedule)])
    try:
        run_schedule(h, schedule)
        one_trade(h, "TP")
        assert all(h.alive().values()), h.alive()
        h.wait_projected()
    finally:
        h.dump_streams()
    assert_invariants(h)
