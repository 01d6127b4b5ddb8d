"""Start one core as a process: logging, settings, Redis, SIGTERM, its consumer."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from loguru import logger

from runtime import bus, logs
from runtime.config_store import load_active
from runtime.core import Core
from runtime.core_handler import CoreConsumer
from runtime.settings import Settings, get_settings
from schemas.config import BotConfig


def stop_on_signals() -> threading.Event:
    """SIGTERM/SIGINT set the returned event; the consumer finishes the message in hand and exits."""
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        logger.info("signal {} received; finishing the current event", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def yield_cpu_to_trading(settings: Settings) -> None:
    """Lower this process's CPU priority by BACKGROUND_NICE (default 10). For the projector, notifier and API:
    on a shared host (docker-compose, `liqfade up`, a small VM) a burst of projection work then never holds
    up ingest → strategy → governor → executor, which measured a few ms per hop at a liquidation spike on a
    2-core machine. Each of them may lag by milliseconds; an order may not."""
    if settings.background_nice > 0:
        os.nice(settings.background_nice)
        logger.info("running at nice +{} (BACKGROUND_NICE): the trading path goes first", settings.background_nice)


def run_core(name: str, make_core: Callable[[BotConfig], Core[Any]],
             settings: Settings | None = None) -> int:
    settings = settings or get_settings()
    logs.configure(name, settings.log_level, settings.redis_url)
    logger.info("starting {} with settings {}", name, settings.masked())
    client = bus.connect(settings.redis_url)
    bus.wait_until_up(client)
    config = load_active(client, settings.liqfade_config)
    core = make_core(config)
    CoreConsumer(core, client).run(stop_on_signals())
    return 0
