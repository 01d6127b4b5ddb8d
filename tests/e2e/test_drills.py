"""Drills: the TP scenario (tests/e2e/test_scenarios.py, same test config) with processes SIGKILLed at
random moments and restarted, and with Redis restarted mid-session (AOF, appendfsync always). The trade
must complete and every invariant hold. The random moments come from a seed printed in the output
(LIQFADE_DRILL_SEED reproduces a run).
"""

from __future__ import annotations

import os
import random
import time

import pytest

from tests.e2e.conftest import HarnessFactory
from tests.e2e.harness import Harness
from tests.e2e.make_scenarios import LIVE_AT
from tests.e2e.test_scenarios import CONFIG, assert_invariants, one_trade


def seeded() -> random.Random:
    seed = int(os.environ.get("LIQFADE_DRILL_SEED") or time.time_ns() % 1_000_000)
    print(f"drill seed {seed} (LIQFADE_DRILL_SEED={seed} reproduces the schedule)")
    return random.Random(seed)


def run_schedule(h: Harness, schedule: list[tuple[float, str]]) -> None:
    """At each scheduled second after start, SIGKILL and restart the process (or restart Redis)."""
    for at, name in sorted(schedule):
        time.sleep(max(0.0, at - h.elapsed()))  # a chosen moment, not a synchronisation
        if name == "redis":
            h.restart_redis()
        else:
            h.restart(name)
        print(f"+{h.elapsed():.1f}s restarted {name}")


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_drill_when_workers_are_sigkilled_at_random_moments_the_trade_completes(harness: HarnessFactory) -> None:
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


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_drill_when_redis_restarts_mid_session_nothing_is_lost_and_the_trade_completes(
        harness: HarnessFactory) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT)
    rng = seeded()
    schedule = [(rng.uniform(30, 100), "redis"), (rng.uniform(125, 130), "redis")]
    print("schedule", [(round(t, 1), n) for t, n in sorted(schedule)])
    run_schedule(h, schedule)
    one_trade(h, "TP")
    assert_invariants(h)
