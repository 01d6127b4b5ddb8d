"""A core consumer's promise: killed at any instant and restarted, it loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from runtime import bus
from runtime.core import Emit, envelopes
from schemas.registry import FIELD, decode
from schemas.streams import STATE_KEY_PREFIX
from tests.runtime.counting_core import IN, OUT, CountingCore, CountSeen, CountTick
from tests.support.streams import entries

ROOT = Path(__file__).resolve().parents[2]
N = 10_000


def start_worker(redis_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "core", "--core", "tests.runtime.counting_core:make_core"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def publish_ticks(client: redis.Redis, count: int) -> None:
    ticks = envelopes([Emit(CountTick(n=i)) for i in range(count)], source="test", cause_id="ticks", now=1_000)
    pipe = client.pipeline(transaction=False)
    bus.append(pipe, ticks)
    pipe.execute()


def wait_for_outputs(client: redis.Redis, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while client.xlen(OUT) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def expected_checksum(count: int) -> int:
    checksum = 0
    for n in range(count):
        checksum = (checksum * 31 + n) % 1_000_000_007
    return checksum


def test_core_consumer_when_sigkilled_repeatedly_outputs_every_event_exactly_once(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    publish_ticks(client, N)
    rng = random.Random(20261127)
    kills = 0
    worker = start_worker(redis_url)
    try:
        # kill at random points of the work done, not of the time taken: a faster start or machine must not
        # let the worker finish before it has been killed enough (six kills, between 5 % and 90 % of the outputs)
        for target in sorted(rng.sample(range(5, 90), 6)):
            wait_for_outputs(client, N * target // 100, timeout_s=60)
            time.sleep(rng.uniform(0.0, 0.05))
            if client.xlen(OUT) >= N:
                break
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            worker = start_worker(redis_url)
        wait_for_outputs(client, N, timeout_s=120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    outputs = [decode(fields[FIELD]) for _, fields in entries(client, OUT)]
    seen = [e.payload for e in outputs if isinstance(e.payload, CountSeen)]
    assert kills >= 3, "the worker finished before it could be killed often enough"
    assert len(seen) == N
    assert sorted(p.n for p in seen) == list(range(N))
    assert [p.total for p in seen] == list(range(1, N + 1))
    assert len({e.id for e in outputs}) == len(outputs)
    assert client.xpending(IN, "counter")["pending"] == 0

    core = CountingCore()
    snapshot = client.hget(STATE_KEY_PREFIX + "counter", "snapshot")
    assert isinstance(snapshot, bytes)
    final = core.restore(snapshot)
    assert (final.total, final.checksum) == (N, expected_checksum(N))


def test_core_consumer_when_sigterm_finishes_and_exits_cleanly(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    publish_ticks(client, 200)
    worker = start_worker(redis_url)
    wait_for_outputs(client, 200, timeout_s=60)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert client.xlen(OUT) == 200
