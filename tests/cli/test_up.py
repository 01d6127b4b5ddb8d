"""`liqfade up --demo`: the demo config is activated only where no config is active yet."""

from __future__ import annotations

import os
import subprocess
import sys

import redis

from cli.up import DEMO_CONFIG, ROOT, activate_demo_config, read_procfile
from runtime.config_store import load_active, store_active
from schemas.config import BotConfig


def test_demo_config_when_none_active_becomes_the_active_one(redis_url: str, redis_client: redis.Redis) -> None:
    message = activate_demo_config(redis_url)

    assert "config/demo.json" in message
    active = load_active(redis_client)
    assert active == BotConfig.model_validate_json(DEMO_CONFIG.read_bytes())
    assert active.signal.exhaustion_candles == 1


def test_demo_config_when_an_operator_published_one_leaves_it_alone(
        redis_url: str, redis_client: redis.Redis) -> None:
    published = BotConfig(version=7)
    store_active(redis_client, published)

    message = activate_demo_config(redis_url)

    assert "keeping" in message
    assert load_active(redis_client) == published


def test_procfile_when_read_lists_every_worker_and_the_dashboard() -> None:
    processes = read_procfile(ROOT / "Procfile")

    assert list(processes) == ["ingest", "strategy", "governor", "executor", "projector", "notifier", "api",
                               "dashboard"]
    assert processes["strategy"] == "liqfade run strategy"


def test_up_when_the_api_would_lack_its_secrets_refuses_before_starting_anything(
        redis_url: str, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "ADMIN_", "DASHBOARD_"))}
    env.update(REDIS_URL=redis_url, DATABASE_URL=database_url, PYTHONPATH=str(ROOT), JWT_SECRET="short")
    refused = subprocess.run([sys.executable, "-m", "cli.main", "up", "--only", "api,strategy"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    for named in ("JWT_SECRET must be at least 32", "DASHBOARD_SECRET is not set", "ADMIN_PASSWORD"):
        assert named in refused.stderr
    assert "short" not in refused.stderr.replace("JWT_SECRET", "")
