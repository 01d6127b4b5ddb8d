"""Runs processes (Procfile lines) side by side and keeps them running: `liqfade up`, and the one-container
`bot` service. A process that dies is restarted with backoff (runtime/restart_policy.py), logged, and
reported as `ProcessRestarted` on the bus (the notifier alerts on repeated deaths); the others never
notice. SIGTERM or SIGINT stops every process (SIGTERM to its process group, SIGKILL after a grace period).

Each process runs in its own session, so a signal meant for one never reaches another, and its output is
printed line by line with its name in front, as honcho and foreman do.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from runtime.restart_policy import RestartPolicy
from schemas.system import ProcessRestarted

POLL_S = 0.2
GRACE_S = 20.0  # a worker finishes the event in hand and saves its snapshot well within this


@dataclass
class Child:
    name: str
    command: str
    env: Mapping[str, str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None
    starts: int = 0
    reader: threading.Thread | None = None  # relays this run's output; one per child, however many restarts


class Supervisor:
    def __init__(self, commands: Mapping[str, str], env: Mapping[str, str], cwd: str, *,
                 env_for: Callable[[str], Mapping[str, str]] | None = None,
                 report: Callable[[ProcessRestarted], None] | None = None,
                 policy: RestartPolicy | None = None, out: IO[str] | None = None,
                 grace_s: float = GRACE_S) -> None:
        extra = env_for or (lambda _name: {})
        self.children = [Child(name, command, {**env, **extra(name)}) for name, command in commands.items()]
        self.cwd = cwd
        self.report = report
        self.policy = policy or RestartPolicy()
        self.out = out or sys.stdout
        self.grace_s = grace_s
        self._print_lock = threading.Lock()
        self._width = max((len(c.name) for c in self.children), default=8)

    def run(self, stop: threading.Event) -> int:
        """Until `stop` is set: start everything, restart what dies, then stop everything."""
        for child in self.children:
            self._start(child)
        while not stop.wait(POLL_S):
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        self._start(child)
                elif child.process is not None and child.process.poll() is not None:
                    self._died(child, now)
        self._stop_all()
        return 0

    def pids(self) -> dict[str, int]:
        """The live processes' pids by name (tests kill one)."""
        return {c.name: c.process.pid for c in self.children if c.process and c.process.poll() is None}

    def _start(self, child: Child) -> None:
        # no shell in between: the pid we wait for is the worker's, so "stopped" means the worker stopped
        child.process = subprocess.Popen(shlex.split(child.command), cwd=self.cwd, env=dict(child.env),
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        child.started = time.monotonic()
        child.restart_at = None
        child.starts += 1
        self._say("supervisor", f"started {child.name} (pid {child.process.pid}): {child.command}")
        child.reader = threading.Thread(target=self._relay, args=(child.name, child.process), daemon=True)
        child.reader.start()

    def _died(self, child: Child, now: float) -> None:
        assert child.process is not None
        code = child.process.returncode
        ran = now - child.started
        restart = self.policy.on_exit(child.name, ran, now)
        child.restart_at = now + restart.delay_s
        self._say("supervisor", f"{child.name} exited with code {code} after {ran:.1f} s; restarting in "
                                f"{restart.delay_s:.0f} s ({restart.deaths_in_window} deaths in "
                                f"{self.policy.window_s / 60:.0f} min)")
        if self.report is not None:
            try:
                self.report(ProcessRestarted(process=child.name, exit_code=code, ran_s=round(ran, 1),
                                             deaths_in_window=restart.deaths_in_window,
                                             window_s=self.policy.window_s, alert_after=self.policy.alert_after,
                                             delay_s=restart.delay_s))
            except Exception as exc:  # the bus may be what failed; the restart goes ahead regardless
                self._say("supervisor", f"could not report the restart of {child.name}: {exc!r}")

    def _stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        self._say("supervisor", f"stopping {', '.join(c.name for c in running) or 'nothing'}")
        for child in running:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say("supervisor", f"{child.name} did not stop within {self.grace_s:.0f} s: SIGKILL")
                _signal_group(child, signal.SIGKILL)
                child.process.wait()
        for child in self.children:
            if child.reader is not None:
                child.reader.join(timeout=2)

    def _relay(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            self._say(name, raw.decode(errors="replace").rstrip("\n"))
        process.stdout.close()

    def _say(self, name: str, line: str) -> None:
        with self._print_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{self._width}} | {line}\n")
            self.out.flush()


def _signal_group(child: Child, signum: int) -> None:
    assert child.process is not None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signum)
