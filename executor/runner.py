"""`liqfade run executor`: the core under the shared consumer, plus the venue I/O.

TRADING_MODE=paper (default): the paper venue lives inside the core; the runner only reads the filters
from `BINANCE_FUTURES_BASE_URL`'s exchangeInfo when it answers (the simulator, Binance), else the
built-in defaults, and the core announces BootChecksCompleted on every start.
TRADING_MODE=live: boot checks and reconcile with python-binance first, then, all on one event loop, the
consumer (driven by runtime.asyncio_driver), the outbox dispatcher and the user-data stream.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from loguru import logger

from executor.binance import BinanceVenue
from executor.core import ExecutorCore
from executor.external import ExternalVenue
from executor.filters import default_filters, parse_exchange_info
from executor.live import (
    Dispatcher,
    Reporter,
    boot,
    meta_from,
    read_balance,
    reconnected,
    resolve_held,
    stream_handler,
    stream_reports,
)
from executor.paper import PaperVenue
from executor.recovery import open_trades
from executor.translate import Translator
from executor.userstream import UserStream, stream_url
from runtime import bus, logs
from runtime.asyncio_driver import AsyncioDriver
from runtime.config_store import load_active
from runtime.core_handler import CoreConsumer
from runtime.settings import Settings, get_settings
from runtime.worker import stop_on_signals
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Envelope
from schemas.orders import SymbolFilters


def paper_filters(config: BotConfig, base_url: str) -> tuple[tuple[SymbolFilters, ...], str]:
    symbols = active_symbols(config)
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/fapi/v1/exchangeInfo", timeout=3) as resp:
            info = orjson.loads(resp.read())
        fees: dict[str, tuple[Decimal, Decimal]] = {s: (config.paper.maker_fee_rate, config.paper.taker_fee_rate)
                                                  for s in symbols}
        found = parse_exchange_info(info, fees, symbols)
        if {f.symbol for f in found} == set(symbols):
            return found, f"exchangeInfo of {base_url}"
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("exchangeInfo at {} not readable ({}); using built-in filters", base_url, exc)
    return default_filters(config), "built-in defaults (BTC/ETH/SOL, as exchange/symbols.py)"


def main() -> int:
    settings = get_settings()
    logs.configure("executor", settings.log_level, settings.redis_url)
    logger.info("starting executor ({}) with settings {}", settings.trading_mode, settings.masked())
    client = bus.connect(settings.redis_url)
    bus.wait_until_up(client)
    config = load_active(client, settings.liqfade_config)
    stop = stop_on_signals()
    if settings.trading_mode == "paper":
        filters, source = paper_filters(config, settings.binance_futures_base_url)
        core = ExecutorCore(config, PaperVenue(filters, source, reboot_on_restore=True), trading_mode="paper")
        CoreConsumer(core, client).run(stop)
        return 0
    return asyncio.run(run_live(settings, config, client, stop))


async def run_live(settings: Settings, config: BotConfig, client: bus.Redis, stop: threading.Event,
                   ready: threading.Event | None = None) -> int:
    core = ExecutorCore(config, ExternalVenue(), trading_mode=settings.trading_mode)
    runner: CoreConsumer[Any] = CoreConsumer(core, client)
    runner.restore()
    rebuild = None
    if not runner.restored_from_snapshot:
        rebuild = open_trades(settings.database_url)
        # PostgreSQL unreadable: a position found at the exchange counts as not ours (the boot check names it)
        logger.warning("no executor snapshot in Redis: rebuilding from the exchange and PostgreSQL's {} open "
                       "trade(s)", "(unreadable)" if rebuild is None else len(rebuild))
    venue = BinanceVenue(settings.binance_api_key.get_secret_value(), settings.binance_api_secret.get_secret_value(),
                         settings.binance_futures_base_url, meta_from(lambda: runner.state))
    report = Reporter(client, venue.note)
    translator = Translator(meta_from(lambda: runner.state), venue.prices.convert)
    dispatcher = Dispatcher(venue, report, lambda: runner.state.config, lambda: runner.state, translator)
    report(stream_reports(False, "executor starting: the user-data stream is not connected yet"))

    def on_commit(_event: Envelope | None, _outputs: Sequence[Envelope]) -> None:
        dispatcher.sync(list(runner.state.outbox))  # on this loop: the dispatcher task runs next

    runner.on_commit = on_commit
    aio_stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        ok = await boot(venue, runner.state, config, report, rebuild, translator.engine)
        logger.info("boot checks {}", "passed" if ok else "FAILED (the governor goes to ERROR)")
        stream = UserStream(venue.client, stream_url(settings.binance_futures_base_url),
                            stream_handler(translator, venue, report),
                            lambda: reconnected(venue, lambda: runner.state, translator, report),
                            keepalive_s=max(1, round(30 * 60 / venue.clock.speed)),  # 30 min of venue time
                            on_down=lambda reason: report(stream_reports(False, reason)))
        tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(stream.run(aio_stop)),
                 asyncio.create_task(resolve_held(translator, venue, lambda: runner.state, report, aio_stop)),
                 asyncio.create_task(read_balance(venue, report, aio_stop))]
        await asyncio.wait_for(stream.connected.wait(), 30)
        dispatcher.sync(list(runner.state.outbox))  # recover what a previous process left queued
        if ready is not None:
            ready.set()
        # the core runs on this loop, not in a thread of its own: two threads would hand the GIL back and
        # forth on every Redis syscall (runtime/asyncio_driver.py)
        await AsyncioDriver(runner).run(stop)
        return 0
    finally:
        aio_stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await venue.close()
