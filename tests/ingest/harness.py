"""Test harness for ingest end-to-end tests: the real process against the simulator and real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import httpx
import redis

from runtime.config_store import store_active
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.registry import FIELD, decode

REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def store_config(client: redis.Redis, symbols: Sequence[str] = ("BTCUSDT", "ETHUSDT"),
                 **signal_overrides: Any) -> BotConfig:
    base = BotConfig()
    config = BotConfig.model_validate({
        **base.model_dump(), "symbols": list(symbols),
        "signal": {**base.signal.model_dump(), **signal_overrides},
    })
    store_active(client, config)
    return config


def read_stream(client: redis.Redis, stream: str) -> list[Envelope]:
    entries: list[Any] = cast(list[Any], client.xrange(stream))
    return [decode(fields[FIELD]) for _id, fields in entries]


def sim_state(base_url: str) -> dict[str, Any]:
    reply = httpx.get(f"{base_url}/_sim/state", timeout=5)
    reply.raise_for_status()
    state: dict[str, Any] = reply.json()
    return state


def sim_post(base_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = httpx.post(f"{base_url}{path}", json=body or {}, timeout=5)
    reply.raise_for_status()
    out: dict[str, Any] = reply.json()
    return out


class IngestProcess:
    """`python -m ingest ARGS` with REDIS_URL and BINANCE_FUTURES_BASE_URL set; stopped with SIGTERM."""

    def __init__(self, redis_url: str, base_url: str, args: Sequence[str], log: Path) -> None:
        self.env = {**os.environ, "REDIS_URL": redis_url, "BINANCE_FUTURES_BASE_URL": base_url,
                    "LOG_LEVEL": "INFO", "LIQFADE_CONFIG": ""}
        self.args = list(args)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    def __enter__(self) -> IngestProcess:
        self._out = self.log.open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "ingest", *self.args], cwd=REPO, env=self.env,
                                        stdout=self._out, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.returncode = self.process.wait()
        self._out.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")
