"""`liqfade up`: start every process of the Procfile (plus the simulator with --demo) under one supervisor,
which restarts a process that dies (runtime/supervisor.py). The one-container `bot` service runs this too.

Redis and PostgreSQL come from REDIS_URL / DATABASE_URL, else the local default ports, else embedded
servers under `.run/` (runtime/datastores.py). The choice is printed plainly; nothing here trades.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from runtime.bus import connect
from runtime.config_store import store_active
from runtime.core import Emit, envelopes
from runtime.datastores import DatastoreUnavailable, resolve
from runtime.secret_checks import problems_for
from runtime.settings import Settings, setting_problems
from runtime.supervisor import Supervisor
from runtime.worker import stop_on_signals
from schemas.config import BotConfig
from schemas.registry import FIELD, encode
from schemas.streams import ACTIVE_CONFIG_KEY, STATE
from schemas.system import ProcessRestarted
from simulator.demo_scenario import LIVE_AT as DEMO_LIVE_AT

ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_PORT = 8799
EMBEDDED_REDIS_PORT = 6390
DEMO_CONFIG = ROOT / "config" / "demo.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="paper mode against the bundled simulator; no API keys needed")
    parser.add_argument("--procfile", default=str(ROOT / "Procfile"))
    parser.add_argument("--run-dir", default=str(ROOT / ".run"), help="embedded data and demo secrets")
    parser.add_argument("--scenario", default="demo", help="with --demo: the simulator scenario")
    parser.add_argument("--live-at", default=str(DEMO_LIVE_AT),
                        help="with --demo: the scenario second that plays now (the demo scenario's first flush "
                             "comes at 1250 s, so the first paper entry comes 78-140 s after start)")
    parser.add_argument("--only", default="", help="comma-separated process names to start")
    parser.add_argument("--embedded", action="store_true",
                        help="use embedded Redis/PostgreSQL even when local ones answer")
    parser.add_argument("--redis-port", type=int, default=EMBEDDED_REDIS_PORT, help="port of the embedded Redis")
    parser.add_argument("--simulator-port", type=int, default=SIMULATOR_PORT, help="with --demo")


def read_procfile(path: Path) -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def demo_secrets(run_dir: Path) -> dict[str, str]:
    """Login and secrets for the demo: from the environment, else generated once and kept in .run/ (so a
    restart keeps the sessions open). Values from the environment still pass the start checks."""
    file = run_dir / "demo-secrets.json"
    stored: dict[str, str] = orjson.loads(file.read_bytes()) if file.exists() else {}
    values = {
        "ADMIN_EMAIL": os.environ.get("ADMIN_EMAIL") or stored.get("ADMIN_EMAIL") or "admin@liqfade.local",
        "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD") or stored.get("ADMIN_PASSWORD")
        or secrets.token_urlsafe(12),
        "JWT_SECRET": os.environ.get("JWT_SECRET") or stored.get("JWT_SECRET") or secrets.token_urlsafe(32),
        "DASHBOARD_SECRET": os.environ.get("DASHBOARD_SECRET") or stored.get("DASHBOARD_SECRET")
        or secrets.token_urlsafe(32),
    }
    if values != stored:
        run_dir.mkdir(parents=True, exist_ok=True)
        file.write_bytes(orjson.dumps(values))
        file.chmod(0o600)
    return values


def activate_demo_config(redis_url: str) -> str:
    """The demo trades on config/demo.json (one exhaustion candle, so the first trade comes within about two
    minutes) unless a config is already active there; an operator's published version is never replaced."""
    client = connect(redis_url)
    try:
        if client.exists(ACTIVE_CONFIG_KEY):
            return "demo: keeping the config already active in Redis"
        store_active(client, BotConfig.model_validate_json(DEMO_CONFIG.read_bytes()))
        return f"demo: active config is {DEMO_CONFIG.relative_to(ROOT)} (exhaustion_candles=1)"
    finally:
        client.close()


def startup_problems(processes: dict[str, str], env: dict[str, str]) -> list[str]:
    """What the processes about to start would refuse to start without, checked once for all of them."""
    fields = {name.upper(): name for name in Settings.model_fields}
    try:
        given: dict[str, Any] = {fields[key]: value for key, value in env.items() if key in fields}
        settings = Settings(**given)  # and .env, as the processes will read it
    except ValidationError as exc:
        return setting_problems(exc)
    return problems_for(processes, settings)


def run(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    try:
        services = resolve(os.environ.get("REDIS_URL"), os.environ.get("DATABASE_URL"), run_dir,
                           embedded_only=args.embedded, embedded_redis_port=args.redis_port)
    except DatastoreUnavailable as exc:
        print(f"liqfade up: {exc}", file=sys.stderr)
        return 2
    for note in services.notes:
        print(note, flush=True)
    env = {**os.environ, "REDIS_URL": services.redis_url, "DATABASE_URL": services.database_url,
           "PYTHONUNBUFFERED": "1"}
    processes = read_procfile(Path(args.procfile))
    if args.demo:
        print(activate_demo_config(services.redis_url), flush=True)
        env.update(demo_secrets(run_dir))
        env.update(TRADING_MODE="paper", BINANCE_FUTURES_BASE_URL=f"http://127.0.0.1:{args.simulator_port}")
        processes = {"simulator": f"liqfade simulator --port {args.simulator_port} --scenario {args.scenario} "
                                  f"--live-at {args.live_at} --loop", **processes}
        print(f"demo login: {env['ADMIN_EMAIL']} / {env['ADMIN_PASSWORD']} "
              f"(kept in {run_dir / 'demo-secrets.json'})", flush=True)
    dashboard_server = ROOT / "dashboard" / ".next" / "standalone" / "server.js"
    if "dashboard" in processes and not dashboard_server.exists():
        print("dashboard not built (run `make demo`, or `npm ci && npm run build` in dashboard/): "
              "starting without it", flush=True)
        del processes["dashboard"]
    env.setdefault("API_URL", f"http://127.0.0.1:{env.get('API_PORT', '8000')}")
    if args.only:
        wanted = set(args.only.split(","))
        processes = {name: cmd for name, cmd in processes.items() if name in wanted}
    problems = startup_problems(processes, env)
    if problems:
        services.stop()
        print("liqfade up: refusing to start:\n" + "\n".join(f"  - {p}" for p in problems)
              + "\nSee README.md, 'Secrets' (`make demo` generates its own).", file=sys.stderr)
        return 2
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    supervisor = Supervisor(processes, env, str(ROOT), env_for=port_for(processes),
                            report=bus_reporter(services.redis_url))
    try:
        return supervisor.run(stop_on_signals())
    finally:
        services.stop()


def port_for(processes: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """`PORT` (Railway's, or the shell's) belongs to the dashboard when it runs here, else to the API."""
    def extra(name: str) -> dict[str, str]:
        return {"PORT": ""} if name == "api" and "dashboard" in processes else {}
    return extra


def bus_reporter(redis_url: str) -> Callable[[ProcessRestarted], None]:
    """Restarts go on the bus (the notifier alerts on repeated deaths, the dashboard lists them)."""
    client = connect(redis_url)

    def report(restarted: ProcessRestarted) -> None:
        now = time.time_ns() // 1_000_000
        [envelope] = envelopes([Emit(restarted)], source="supervisor",
                               cause_id=f"supervisor/{restarted.process}/{now}", now=now)
        client.xadd(STATE, {FIELD: encode(envelope)})
    return report
