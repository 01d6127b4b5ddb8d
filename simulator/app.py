"""Wiring: build the aiohttp app, run it in-process (async context manager) or in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web
from loguru import logger

from simulator import payloads
from simulator.admin import AdminEndpoints, FaultInjector
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.config import SimConfig
from simulator.exchange import Exchange
from simulator.faults import RestFaults
from simulator.http import WeightCounter, make_middleware
from simulator.hub import Hub
from simulator.listen_keys import ListenKeys
from simulator.market import MarketState
from simulator.playback import Playback, load_sources
from simulator.rest_account import AccountEndpoints
from simulator.rest_market import MarketEndpoints
from simulator.trading import TradingEndpoints
from simulator.ws import WsEndpoints

T = TypeVar("T")


class Simulator:
    """All server state. One instance per server; nothing global."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.sources = load_sources(config)
        start = config.start_ms if config.start_ms is not None else self.sources.first_ms()
        self.clock = VirtualClock(start, config.speed)
        if not config.autoplay:
            self.clock.freeze()
        self.hub = Hub(self.clock.now_ms)
        self.market = MarketState(config.spread_bps)
        self.listen_keys = ListenKeys(config.listen_key_ttl_ms)
        self.rest_faults = RestFaults()
        self.weights = WeightCounter(config.weight_limit_1m)
        self.auth = Authenticator(config, self.clock.now_ms)
        self.exchange = Exchange(
            config, self.clock, self.market, self.hub, self.listen_keys, self.auth, self.sources.exchange, start
        )
        self.injector = FaultInjector(
            self.hub, self.rest_faults, self.clock.now_ms, self.expire_listen_keys, self.exchange.apply_fault
        )
        self.playback = Playback(config, self.sources, self.clock, self.hub, self.market, self.injector.apply)
        self.trading = TradingEndpoints(self.clock, self.exchange, self.auth)
        self.playback.book_listeners.append(self.exchange.on_book)
        self.playback.tick_listeners.append(self.exchange.on_tick)
        self._playback_task: asyncio.Task[None] | None = None

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[make_middleware(self.rest_faults, self.weights)])
        MarketEndpoints(self.clock, self.market, self.auth, self.listen_keys, self.exchange).add_routes(app)
        self.trading.add_routes(app)
        AccountEndpoints(self.clock, self.exchange, self.auth).add_routes(app)
        WsEndpoints(self.config, self.hub, self.listen_keys).add_routes(app)
        AdminEndpoints(
            self.injector, self.state, self.play, self.clock.set_speed, self.exchange.configure
        ).add_routes(app)
        return app

    async def play(self) -> bool:
        if self._playback_task is not None:
            return False
        self._playback_task = asyncio.create_task(self.playback.run())
        return True

    def expire_listen_keys(self, key: str | None = None) -> int:
        return self._push_expired(self.listen_keys.expire_now(key))

    def _push_expired(self, keys: list[str]) -> int:
        now = self.clock.now_ms()
        for lk in keys:
            logger.info("listenKey {}… expired", lk[:8])
            self.hub.publish_user(
                lk, payloads.listen_key_expired(lk, now, self.config.listen_key_expired_e_as_string)
            )
        return len(keys)

    async def expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            self._push_expired(self.listen_keys.due(self.clock.now_ms()))

    def state(self) -> dict[str, Any]:
        p = self.playback.progress
        return {
            "now_ms": self.clock.now_ms(),
            "speed": self.clock.speed,
            "start_ms": self.playback.start_ms,
            "end_ms": self.playback.end_ms,
            "playback": {
                "playing": p.playing,
                "finished": p.finished,
                "events": p.events,
                "liquidations": p.liquidations,
                "klines_closed": p.klines_closed,
                "frames": p.frames,
                "iteration": p.iteration,
            },
            "routes": self.hub.snapshot(),
            "rest_faults": self.rest_faults.snapshot(),
            "listen_keys": self.listen_keys.snapshot(self.clock.now_ms()),
            "books": {s: self.market.rest_book_ticker(s) for s in self.market.symbols},
            "sources": self.sources.descriptions,
            "account": self.exchange.state(),
        }

    async def shutdown(self) -> None:
        if self._playback_task is not None:
            self._playback_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._playback_task
        await self.hub.close_all(1001, message="simulator shutting down")


class RunningSimulator:
    """Handle on a started server: URLs for clients plus admin shortcuts."""

    def __init__(self, sim: Simulator, host: str, port: int) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self.base_url = f"http://{host}:{port}"
        self.fapi_url = f"{self.base_url}/fapi"  # python-binance: client.FUTURES_URL
        self.ws_url = f"ws://{host}:{port}/"  # python-binance: BinanceSocketManager.FSTREAM_URL

    async def play(self) -> bool:
        return await self.sim.play()

    async def fault(self, fault: dict[str, Any]) -> dict[str, Any]:
        return await self.sim.injector.apply(fault)

    def state(self) -> dict[str, Any]:
        return self.sim.state()

    async def wait_finished(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self.sim.playback.finished.wait(), timeout)


def log_startup(sim: Simulator, base_url: str) -> None:
    logger.info(
        "simulator listening on {} (REST {}/fapi, WS {}/{{public,market,private}}/...)",
        base_url,
        base_url,
        base_url.replace("http", "ws"),
    )
    for line in sim.sources.descriptions:
        logger.info("source: {}", line)
    logger.info("bookTicker is SYNTHESIZED around the kline/liquidation price with a {} bp spread "
                "(the recorded data has no book)", sim.market.default_spread_bps)
    liquidated = {liq.symbol for liq in sim.sources.liquidations}
    for symbol in sorted(liquidated - sim.playback.kline_symbols):
        logger.info("{} has no klines: its book follows its liquidation prices", symbol)
    logger.info(
        "virtual time starts at {} ms, speed {}",
        sim.playback.start_ms,
        "max" if sim.clock.speed <= 0 else sim.clock.speed,
    )


@contextlib.asynccontextmanager
async def run_simulator(config: SimConfig) -> AsyncIterator[RunningSimulator]:
    """Start the server on ``config.host:config.port`` (port 0 = ephemeral) inside this event loop."""
    sim = Simulator(config)
    runner = web.AppRunner(sim.build_app(), handle_signals=False, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    port = int(runner.addresses[0][1])
    running = RunningSimulator(sim, config.host, port)
    log_startup(sim, running.base_url)
    expiry = asyncio.create_task(sim.expiry_loop())
    if config.autoplay:
        await sim.play()
    try:
        yield running
    finally:
        expiry.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await expiry
        await sim.shutdown()
        await runner.cleanup()


class SimulatorThread:
    """Runs the simulator in a background thread with its own event loop (for subprocess-based tests)::

    with SimulatorThread(SimConfig(port=0, speed=0, autoplay=False)) as sim:
        subprocess.run([..., "--base-url", sim.base_url])
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="simulator", daemon=True)
        self._stop: asyncio.Event | None = None
        self._done: Future[None] | None = None
        self.running: RunningSimulator | None = None

    def start(self, timeout: float = 30.0) -> RunningSimulator:
        self._thread.start()
        ready: Future[RunningSimulator] = Future()

        async def main() -> None:
            self._stop = asyncio.Event()
            try:
                async with run_simulator(self.config) as running:
                    ready.set_result(running)
                    await self._stop.wait()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                raise

        self._done = asyncio.run_coroutine_threadsafe(main(), self._loop)
        self.running = ready.result(timeout)
        return self.running

    @property
    def base_url(self) -> str:
        assert self.running is not None
        return self.running.base_url

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the simulator's loop, e.g. ``sim.call(sim.running.fault({...}))``."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._done is not None:
            with contextlib.suppress(Exception):
                self._done.result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    def __enter__(self) -> RunningSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
