"""`liqfade run ingest`: the ingest process (settings, logging, Redis, config, SIGTERM)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence

import redis
from loguru import logger

from ingest.handler import ensure_command_group
from ingest.options import IngestOptions, parse_options
from ingest.service import Ingest
from runtime import bus, logs
from runtime.config_store import load_active
from runtime.settings import Settings, get_settings

NAME = "ingest"


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv or [])
    settings = get_settings()
    logs.configure(NAME, settings.log_level, settings.redis_url)
    logger.info("starting {} with settings {} and options {}", NAME, settings.masked(), options)
    asyncio.run(serve(settings, options))
    return 0


async def serve(settings: Settings, options: IngestOptions) -> None:
    # Timeouts: an unreachable Redis must fail fast, not freeze the loop that keeps the sockets alive.
    client = redis.Redis.from_url(settings.redis_url, socket_keepalive=True, health_check_interval=30,
                                  socket_connect_timeout=2, socket_timeout=5)
    bus.wait_until_up(client)
    ensure_command_group(client)  # before reading the config, so no ConfigPublished falls in between
    config = load_active(client, settings.liqfade_config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ingest = Ingest(client, config, settings.binance_futures_base_url, options)
    try:
        await ingest.run(stop)
    finally:
        client.close()
