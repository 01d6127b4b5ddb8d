"""`liqfade bench memory`: what each deployment topology costs in memory, measured on the running demo.

Starts `liqfade up --demo` (every Procfile process under the supervisor, the simulator playing the demo
scenario, a scratch Redis and a scratch database), samples every process's memory every few seconds for
`--seconds` (the default covers the demo's first trade), and prints JSON:
- per process: peak RSS and peak PSS (PSS shares the pages processes have in common fairly among them);
- topology A, one Railway service per process: each container holds one process, so it pays its full RSS;
- topology B, the `bot` service (supervisor + every Python process in one container) plus the dashboard:
  a container's memory is its processes' PSS summed (shared pages once).
Redis, PostgreSQL and the simulator are not counted (Railway's own services; the simulator is not deployed).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import orjson
import psycopg

from bench.proctree import argv_of, descendants
from bench.scratch import free_port, scratch_redis
from runtime.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
BOT = ("ingest", "strategy", "governor", "executor", "projector", "notifier", "api")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench memory", description=__doc__)
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to sample")
    parser.add_argument("--every", type=float, default=5.0)
    args = parser.parse_args(list(argv))
    admin_url = get_settings().database_url.rsplit("/", 1)[0] + "/postgres"
    name = f"liqfade_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with scratch_redis() as redis_url:
            peaks = _sample_demo(redis_url, admin_url.rsplit("/", 1)[0] + f"/{name}", args.seconds, args.every)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sys.stdout.write(orjson.dumps(_report(peaks, args.seconds), option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


def _sample_demo(redis_url: str, database_url: str, seconds: float, every: float) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url, "API_PORT": str(free_port()),
           "PORT": str(free_port())}
    run_dir = tempfile.mkdtemp(prefix="liqfade-bench-memory-")
    up = subprocess.Popen([sys.executable, "-m", "cli.main", "up", "--demo", "--run-dir", run_dir,
                           "--simulator-port", str(free_port())], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    peaks: dict[str, tuple[float, float]] = {}
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(every)  # sampling period, not a synchronisation
            for pid, role in _tree(up.pid).items():
                rss, pss = _memory_mb(pid)
                old = peaks.get(role, (0.0, 0.0))
                peaks[role] = (max(old[0], rss), max(old[1], pss))
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(60)
    return peaks


def _report(peaks: dict[str, tuple[float, float]], seconds: float) -> dict[str, object]:
    bot = [r for r in (*BOT, "supervisor") if r in peaks]
    one_per_service = {r: round(peaks[r][0], 1) for r in (*BOT, "dashboard") if r in peaks}
    return {
        "bench": "memory",
        "sampled_s": seconds,
        "per_process_mb": {r: {"rss": round(v[0], 1), "pss": round(v[1], 1)} for r, v in sorted(peaks.items())},
        "topology_a_one_service_per_process_mb": {"services": one_per_service,
                                                  "total": round(sum(one_per_service.values()), 1)},
        "topology_b_bot_plus_dashboard_mb": {
            "bot": round(sum(peaks[r][1] for r in bot), 1),
            "dashboard": round(peaks.get("dashboard", (0.0, 0.0))[0], 1),
            "total": round(sum(peaks[r][1] for r in bot) + peaks.get("dashboard", (0.0, 0.0))[0], 1),
        },
    }


def _tree(root: int) -> dict[int, str]:
    """pid → role of every process under `root` we deploy (the supervisor itself included)."""
    tree = {root: argv_of(root), **descendants(root)}
    return {pid: role for pid, argv in tree.items() if (role := _role(argv))}


def _role(words: list[str]) -> str | None:
    if "run" in words and words.index("run") + 1 < len(words):
        return words[words.index("run") + 1]
    if "up" in words:
        return "supervisor"
    if any(w.endswith("server.mjs") or w.startswith("next-server") for w in words):
        return "dashboard"  # Next's standalone server renames its process "next-server (vX)"
    return None


def _memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS from /proc/<pid>/smaps_rollup (0 when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0, 0.0
    values = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if line.endswith("kB")}
    return values.get("Rss", 0) / 1024, values.get("Pss", 0) / 1024
