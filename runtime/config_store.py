"""Where a worker finds the active configuration at start: Redis, then a file, then the defaults."""

from __future__ import annotations

from pathlib import Path

import redis
from loguru import logger

from schemas.config import BotConfig
from schemas.streams import ACTIVE_CONFIG_KEY

DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "default.json"


def load_active(client: redis.Redis | None, path: str = "") -> BotConfig:
    """The active config version. The API publishes it to Redis; workers read it here at start and then
    follow `ConfigPublished` events."""
    if client is not None:
        raw = client.get(ACTIVE_CONFIG_KEY)
        if raw:
            return BotConfig.model_validate_json(raw)
    file = Path(path) if path else DEFAULT_CONFIG_FILE
    if file.exists():
        logger.info("no active config in Redis; using {}", file)
        return BotConfig.model_validate_json(file.read_bytes())
    return BotConfig()


def store_active(client: redis.Redis, config: BotConfig) -> None:
    client.set(ACTIVE_CONFIG_KEY, config.model_dump_json())
