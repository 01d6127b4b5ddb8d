"""The supervisor with real processes: a death is restarted without touching the others; stop ends all."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

from runtime.restart_policy import RestartPolicy
from runtime.supervisor import Supervisor
from schemas.system import ProcessRestarted


def wait_until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)
    assert check(), "condition not met in time"  # type: ignore[operator]


def test_supervisor_when_one_process_is_killed_restarts_it_and_leaves_the_others(tmp_path: Path) -> None:
    reports: list[ProcessRestarted] = []
    out = io.StringIO()
    commands = {"a": "sh -c 'echo a-up; exec sleep 60'", "b": "sh -c 'echo b-up; exec sleep 60'"}
    supervisor = Supervisor(commands, dict(os.environ), str(tmp_path), report=reports.append, out=out,
                            policy=RestartPolicy(base_s=0.1, alert_after=2))
    stop = threading.Event()
    runner = threading.Thread(target=supervisor.run, args=(stop,))
    runner.start()
    try:
        wait_until(lambda: len(supervisor.pids()) == 2)
        first = supervisor.pids()
        os.kill(first["a"], signal.SIGKILL)
        wait_until(lambda: supervisor.pids().get("a", first["a"]) != first["a"])
        assert supervisor.pids()["b"] == first["b"]
        assert [(r.process, r.exit_code, r.deaths_in_window) for r in reports] == [("a", -9, 1)]
    finally:
        stop.set()
        runner.join(30)
    assert not runner.is_alive() and supervisor.pids() == {}
    text = out.getvalue()
    assert "a exited with code -9" in text and text.count("| a-up") == 2 and "| b-up" in text


def test_supervisor_when_stopped_sends_sigterm_and_kills_what_outlives_the_grace(tmp_path: Path) -> None:
    stubborn = "sh -c \"trap '' TERM; echo ready; while true; do sleep 0.1; done\""
    supervisor = Supervisor({"polite": "sleep 60", "stubborn": stubborn}, dict(os.environ), str(tmp_path),
                            out=io.StringIO(), grace_s=1.0)
    stop = threading.Event()
    runner = threading.Thread(target=supervisor.run, args=(stop,))
    runner.start()
    wait_until(lambda: len(supervisor.pids()) == 2)
    started = time.monotonic()
    stop.set()
    runner.join(30)
    assert supervisor.pids() == {} and time.monotonic() - started < 5
