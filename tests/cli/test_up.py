"""`liqfade up --demo`: the demo config is activated only where no config is active yet."""

from __future__ import annotations

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
