"""`liqfade run notifier`: alerts to the webhook until SIGTERM (the consumer: notifier/handler.py)."""

from __future__ import annotations

from loguru import logger

from notifier.handler import notification_consumer
from notifier.rules import Rules
from notifier.webhook import target_of
from runtime import bus, logs
from runtime.settings import get_settings
from runtime.worker import stop_on_signals, yield_cpu_to_trading


def main() -> int:
    settings = get_settings()
    logs.configure("notifier", settings.log_level, settings.redis_url)
    logger.info("starting notifier with settings {}", settings.masked())
    yield_cpu_to_trading(settings)
    target = target_of(settings.alert_webhook_url.get_secret_value())
    if target.channel == "none":
        logger.warning("notifications disabled: {}", target.problem)
    client = bus.connect(settings.redis_url)
    rules = Rules(feed_down_ms=settings.alert_feed_down_seconds * 1000)
    notification_consumer(client, target, rules).run(stop_on_signals())
    return 0
