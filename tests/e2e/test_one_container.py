"""The one-container topology (deploy/railway/bot.toml): every Python process under `liqfade up`'s
supervisor in one process tree. A paper trade goes through; a worker killed inside is restarted on its own
(the others never notice) and the trade completes; SIGTERM to the supervisor stops everything, and nothing
is lost: every stream entry reaches the audit log and the session replays byte for byte."""

from __future__ import annotations

import os
import signal
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from bench.proctree import descendants
from tests.e2e.conftest import HarnessFactory
from tests.e2e.harness import ROOT, Harness
from tests.e2e.make_scenarios import LIVE_AT
from tests.e2e.test_scenarios import CONFIG, assert_invariants, assert_replay_reproduces, one_trade


def worker_pid(h: Harness, name: str) -> int | None:
    return next((pid for pid, argv in descendants(h.procs["bot"].pid).items()
                 if argv[-2:] == ["run", name]), None)


@pytest.mark.slow
@pytest.mark.timeout(540)
def test_one_container_when_a_worker_inside_dies_it_alone_restarts_and_sigterm_stops_all_losing_nothing(
        harness: HarnessFactory, tmp_path: Path) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT, workers=("bot",))
    health = tomllib.loads((ROOT / "deploy" / "railway" / "bot.toml").read_text())["deploy"]["healthcheckPath"]
    assert httpx.get(f"{h.api_url}{health}", timeout=5).json() == {"status": "ok"}
    h.wait_for(lambda: worker_pid(h, "strategy") and worker_pid(h, "governor"), 30, "workers up in the container")
    governor = worker_pid(h, "governor")

    time.sleep(max(0.0, 25 - h.elapsed()))  # during the liquidation burst: a chosen moment
    killed = worker_pid(h, "strategy")
    assert killed is not None
    os.killpg(os.getpgid(killed), signal.SIGKILL)
    restarted = h.wait_for(lambda: (p := worker_pid(h, "strategy")) not in (None, killed) and p, 20,
                           "the supervisor restarts the strategy")
    print(f"+{h.elapsed():.1f}s strategy {killed} killed, restarted as {restarted}")

    one_trade(h, "TP")
    assert worker_pid(h, "governor") == governor  # the others never noticed
    [restart] = h.stream_events("state", "ProcessRestarted")
    assert (restart["payload"]["process"], restart["payload"]["exit_code"]) == ("strategy", -9)

    tree = descendants(h.procs["bot"].pid)
    h.procs["bot"].send_signal(signal.SIGTERM)  # what Railway sends on a redeploy
    assert h.procs["bot"].wait(timeout=40) == 0
    assert [pid for pid in tree if Path(f"/proc/{pid}").exists()] == []

    h.start_process("projector")  # the next deploy's projector takes what the stopped one had not read
    assert_invariants(h)  # every stream entry in `events` exactly once, trades and fills agree
    assert_replay_reproduces(h, tmp_path, min_executions=12)
