"""A whole-system harness: every Procfile worker as its own OS process, a private redis-server (AOF on),
a fresh PostgreSQL database and the simulator (`liqfade simulator --live-at`), all on free ports.

Processes can be SIGKILLed and restarted by name; Redis can be restarted (its AOF keeps the streams).
Conditions are awaited through the API, Redis and PostgreSQL with deadlines; logs go to `<workdir>/logs/`
(one file per process, appended across restarts) and are kept when a test fails (see conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import orjson
import psycopg
import redis
from psycopg.rows import dict_row

from runtime.config_store import store_active
from schemas.config import BotConfig
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests.support.postgres import PrivatePostgres
from tests.support.services import RedisServer, free_port, fresh_database
from tests.support.streams import entries

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKERS: tuple[str, ...] = ("ingest", "strategy", "governor", "executor", "projector", "api")
# The one-container topology (deploy/railway/bot.toml): every Python process under `liqfade up`'s supervisor.
BOT_PROCESSES: tuple[str, ...] = ("ingest", "strategy", "governor", "executor", "projector", "notifier", "api")
T = TypeVar("T")


class Timeout(AssertionError):
    pass


def xrange(client: redis.Redis, stream: str) -> list[tuple[str, bytes]]:
    """(stream id, the envelope's raw bytes) of every entry on a stream, oldest first."""
    return [(entry_id.decode(), next(iter(fields.values()))) for entry_id, fields in entries(client, stream)]


def e2e_config(**sections: dict[str, Any]) -> BotConfig:
    """config/default.json with some sections overridden (BTCUSDT only unless `symbols` is given)."""
    base = orjson.loads((ROOT / "config" / "default.json").read_bytes())
    base["symbols"] = ["BTCUSDT"]
    for name, values in sections.items():
        if isinstance(base.get(name), dict):
            base[name] = {**base[name], **values}
        else:
            base[name] = values
    return BotConfig.model_validate(base)


@dataclass
class Harness:
    workdir: Path
    scenario: Path
    live_at: float
    config: BotConfig
    mode: Literal["paper", "live"] = "paper"
    # The simulator floors the scenario start to the minute (bars are minute-aligned), so --live-at L
    # really starts at scenario second L + ((now - L) mod 60). The harness starts the simulator only when
    # that remainder is predicted in [min_phase, max_phase] (away from the wrap-around at 0/60 s, which a
    # faster or slower simulator start-up than predicted would cross).
    min_phase: float = 5.0
    max_phase: float = 35.0
    workers: tuple[str, ...] = WORKERS
    extra_env: dict[str, str] = field(default_factory=dict)  # on top of env(), for every process
    simulator_args: tuple[str, ...] = ()  # appended to the simulator's command line
    private_postgres: bool = False  # a PostgreSQL cluster of our own (restart_postgres) instead of a database
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)
    _token: str | None = None

    def __post_init__(self) -> None:
        if self.config.mode != self.mode:  # config.mode must say what TRADING_MODE runs (or the bot halts)
            self.config = self.config.model_copy(update={"mode": self.mode})
        self.logs = self.workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.redis_server = RedisServer(appendonly=True, workdir=self.workdir / "redis")
        self.redis_server.workdir.mkdir(exist_ok=True)
        self.sim_port = free_port()
        self.api_port = free_port()
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.database_url = ""
        self.password = uuid.uuid4().hex
        self.jwt_secret = uuid.uuid4().hex + uuid.uuid4().hex  # one per session: a restarted API keeps tokens
        self.started_at = 0.0

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Harness:
        self.redis_server.start()
        self._stack.callback(self.redis_server.stop)
        if self.private_postgres:
            self.postgres = PrivatePostgres(root=Path(tempfile.mkdtemp(prefix="liqfade-pg-")))
            self._stack.callback(self.postgres.destroy)
            self.postgres.init()
            self.postgres.start()
            self.database_url = self.postgres.create_database()
        else:
            self.database_url = self._stack.enter_context(fresh_database())
        store_active(self.redis, self.config)  # what POST /api/config/publish stores; workers load it at start
        while not self.min_phase <= self.phase() <= self.max_phase:
            time.sleep(0.1)  # waiting for a wall-clock second, not for a condition
        self.started_at = time.monotonic()
        self.start_process("simulator")
        self.wait_for(lambda: self._sim_up(), 20, "simulator answers")
        with (self.logs / "simulator.log").open("a") as log:
            log.write(f"[harness] scenario second at start: {self.scenario_second_at_start():.1f}\n")
        for name in self.workers:
            self.start_process(name)
        if {"api", "bot"} & set(self.workers):
            self.wait_for(self._api_up, 60, "API answers /api/health")
        return self

    def __enter__(self) -> Harness:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                (self.logs / f"{name}.log").open("a").write("\n[harness] no exit 15 s after SIGTERM: SIGKILL\n")
                proc.kill()
                proc.wait()
        self.procs.clear()
        self._stack.close()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE_", "LIQFADE_"))}
        env.update(
            REDIS_URL=self.redis_server.url, DATABASE_URL=self.database_url, TRADING_MODE=self.mode,
            BINANCE_FUTURES_BASE_URL=self.sim_url, JWT_SECRET=self.jwt_secret,
            DASHBOARD_SECRET=self.jwt_secret[::-1],
            ADMIN_EMAIL="e2e@liqfade.local", ADMIN_PASSWORD=self.password, API_HOST="127.0.0.1",
            API_PORT=str(self.api_port), LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        if self.mode == "live":
            env.update(BINANCE_API_KEY=DEFAULT_API_KEY, BINANCE_API_SECRET=DEFAULT_API_SECRET)
        env.update(self.extra_env)
        return env

    def command(self, name: str) -> list[str]:
        if name == "simulator":
            return [str(BIN / "liqfade"), "simulator", "--port", str(self.sim_port), "--scenario",
                    str(self.scenario), "--live-at", str(self.live_at), *self.simulator_args]
        if name == "bot":
            return [str(BIN / "liqfade"), "up", "--only", ",".join(BOT_PROCESSES)]
        return [str(BIN / "liqfade"), "run", name]

    def start_process(self, name: str) -> None:
        if name in self.procs and self.procs[name].poll() is None:
            raise RuntimeError(f"{name} is already running")
        log = (self.logs / f"{name}.log").open("ab")
        log.write(f"\n[harness] start {name} at +{self.elapsed():.1f}s\n".encode())
        log.flush()
        self.procs[name] = subprocess.Popen(self.command(name), cwd=ROOT, env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def kill(self, name: str) -> None:
        """SIGKILL: no cleanup, no flush; what a crash or an OOM kill does."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        with (self.logs / f"{name}.log").open("a") as log:
            log.write(f"\n[harness] SIGKILL {name} at +{self.elapsed():.1f}s\n")

    def restart(self, name: str) -> None:
        self.kill(name)
        self.restarts[name] = self.restarts.get(name, 0) + 1
        self.start_process(name)

    def restart_redis(self) -> None:
        """Stop redis-server (SIGTERM: it finishes its AOF) and start it again on the same port and dir."""
        self.redis_server.restart()

    def restart_postgres(self, down_s: float = 3.0) -> None:
        """Stop the private PostgreSQL cluster (fast: connections are cut), wait `down_s`, start it again."""
        self.postgres.restart(down_s)

    def scenario_second(self) -> float:
        """The scenario second the simulator is playing now (its virtual clock runs at wall-clock speed)."""
        state = self.sim_state()
        floored = (int(state["start_ms"]) - round(self.live_at * 1000)) // 60_000 * 60_000
        return (int(state["now_ms"]) - floored) / 1000

    def elapsed_at(self, second: float) -> float:
        """The harness time (`elapsed()`) at which the simulator plays scenario second `second`."""
        return self.elapsed() + second - self.scenario_second()

    def wait_scenario_second(self, second: float) -> None:
        """Sleep until the simulator plays `second` (for a fault that must land at a given moment)."""
        while (left := second - self.scenario_second()) > 0:
            time.sleep(min(left, 0.05) if left < 1 else left - 0.5)

    def phase(self) -> float:
        """Seconds the simulator would add to --live-at if it read the clock now (2 s for its start-up)."""
        return ((time.time() + 2.0 - self.live_at) % 60.0)

    def scenario_second_at_start(self) -> float:
        """The scenario second the simulator actually started at (from its /_sim/state)."""
        start_ms = int(self.sim_state()["start_ms"])
        floored = (start_ms - round(self.live_at * 1000)) // 60_000 * 60_000
        return (start_ms - floored) / 1000

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    # -- waiting --------------------------------------------------------------------------------
    def wait_for(self, probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.25) -> T:
        """Poll `probe` until it returns something truthy; connection errors count as 'not yet'."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                value = probe()
                if value:
                    return value
            except (OSError, httpx.HTTPError, redis.RedisError, psycopg.Error) as exc:
                last_error = exc
            dead = [n for n, up in self.alive().items() if not up and n not in self._expected_down]
            if dead:
                raise AssertionError(f"while waiting for {what}: process(es) exited: {dead} (logs: {self.logs})")
            if time.monotonic() > deadline:
                raise Timeout(f"{what}: not within {timeout:.0f}s (last error: {last_error}; logs: {self.logs})")
            time.sleep(every)

    _expected_down: frozenset[str] = frozenset()

    # -- clients --------------------------------------------------------------------------------
    @property
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_server.url, socket_timeout=5)

    @contextlib.contextmanager
    def db(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        with psycopg.connect(self.database_url, row_factory=dict_row, connect_timeout=5) as conn:
            yield conn

    def sql(self, query: str, *params: object) -> list[dict[str, Any]]:
        with self.db() as conn:
            return conn.execute(query, params).fetchall()

    def _sim_up(self) -> bool:
        return httpx.get(f"{self.sim_url}/_sim/state", timeout=2).status_code == 200

    def _api_up(self) -> bool:
        return httpx.get(f"{self.api_url}/api/health", timeout=2).status_code == 200

    def sim_state(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.sim_url}/_sim/state", timeout=5).json()
        return body

    def sim_fault(self, fault: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.sim_url}/_sim/fault", json=fault, timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def token(self) -> str:
        if self._token is None:
            response = httpx.post(f"{self.api_url}/api/auth/login", timeout=10,
                                  json={"email": "e2e@liqfade.local", "password": self.password})
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    def api_get(self, path: str, **params: object) -> Any:
        response = httpx.get(f"{self.api_url}{path}", params=params,  # type: ignore[arg-type]
                             headers={"Authorization": f"Bearer {self.token()}"}, timeout=10)
        response.raise_for_status()
        return response.json()

    def api_post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.api_url}{path}", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {self.token()}",
                                       "Idempotency-Key": uuid.uuid4().hex})
        response.raise_for_status()
        return response.json()

    # -- common conditions ------------------------------------------------------------------------
    def trades(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.api_get("/api/trades")["data"]
        return rows

    def wait_trades(self, n: int, timeout: float) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            trades = self.trades()
            return trades if len(trades) >= n else None

        return self.wait_for(enough, timeout, f"{n} trade(s) in /api/trades")

    def bot_state(self) -> dict[str, Any]:
        body: dict[str, Any] = self.api_get("/api/state")
        return body

    def setups(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.api_get("/api/events")["data"]
        return rows

    def stream_events(self, stream: str, type_: str | None = None) -> list[dict[str, Any]]:
        """Decoded envelopes on one stream (optionally one type), oldest first."""
        out = []
        for _id, raw in xrange(self.redis, stream):
            env: dict[str, Any] = orjson.loads(raw)
            if type_ is None or env.get("type") == type_:
                out.append(env)
        return out

    def wait_event(self, stream: str, type_: str, timeout: float,
                   match: Callable[[dict[str, Any]], bool] = lambda _e: True) -> dict[str, Any]:
        return self.wait_for(lambda: next((e for e in self.stream_events(stream, type_) if match(e)), None),
                             timeout, f"{type_} on {stream}")

    def dump_streams(self) -> None:
        """Every stream's envelopes (but market data) into `<logs>/streams.jsonl`, for a post-mortem."""
        from schemas.streams import ALL_STREAMS

        with contextlib.suppress(OSError, redis.RedisError), (self.logs / "streams.jsonl").open("wb") as out:
            for stream in ALL_STREAMS:
                if stream.startswith("md."):
                    continue
                for _id, raw in xrange(self.redis, stream):
                    out.write(raw + b"\n")

    def wait_projected(self, timeout: float = 60) -> None:
        """Until the projector has consumed every stream entry that exists now (its group has no lag)."""
        from schemas.streams import ALL_STREAMS, GROUP_PROJECTOR

        def caught_up() -> bool:
            r = self.redis
            for stream in ALL_STREAMS:
                if not r.exists(stream):
                    continue
                groups = {g["name"].decode(): g for g in r.xinfo_groups(stream)}
                group = groups.get(GROUP_PROJECTOR)
                if group is None or group.get("lag") not in (0, None) or group["pending"]:
                    return False
                last = r.xinfo_stream(stream)["last-generated-id"]
                if group["last-delivered-id"] != last:
                    return False
            return True

        self.wait_for(caught_up, timeout, "projector caught up with every stream")
