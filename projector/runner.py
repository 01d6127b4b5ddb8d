"""`liqfade run projector`: project every stream into PostgreSQL until SIGTERM."""

from __future__ import annotations

from loguru import logger

from projector.handler import projection_consumer
from runtime import logs
from runtime.settings import get_settings
from runtime.worker import stop_on_signals, yield_cpu_to_trading


def main() -> int:
    settings = get_settings()
    logs.configure("projector", settings.log_level, settings.redis_url)
    logger.info("starting projector with settings {}", settings.masked())
    yield_cpu_to_trading(settings)
    projection_consumer(settings.redis_url, settings.database_url).run(stop_on_signals())
    return 0
