"""Routes: ingest subscribes bookTicker on /public and forceOrder/kline on /market; a stream asked for on
the wrong route gets nothing (the 2026 split fails silently). ConfigPublished changes the subscription
on the live connections."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import redis
from websockets.asyncio.client import ClientConnection, connect

from ingest.handler import ensure_command_group
from ingest.options import IngestOptions
from ingest.routes import WsRoute, stream_url, ws_base_url
from ingest.service import Ingest
from runtime import bus
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.feed import FeedConnected
from simulator.app import RunningSimulator, run_simulator
from simulator.config import SimConfig
from tests.ingest.harness import read_stream, store_config


async def collect(ws: ClientConnection, into: list[dict[str, Any]]) -> None:
    with contextlib.suppress(Exception):
        async for raw in ws:
            into.append(orjson.loads(raw))


async def until(predicate: Callable[[], bool], timeout: float) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), 60))


def test_streams_when_subscribed_on_wrong_route_receive_nothing_and_on_right_route_receive_frames() -> None:
    cases: dict[str, tuple[WsRoute, list[str]]] = {
        "liquidations on /market": ("market", ["btcusdt@forceOrder", "ethusdt@forceOrder"]),
        "klines on /market": ("market", ["btcusdt@kline_1m"]),
        "book on /public": ("public", ["btcusdt@bookTicker"]),
        "liquidations+klines on /public": ("public", ["btcusdt@forceOrder", "btcusdt@kline_1m"]),
        "book on /market": ("market", ["btcusdt@bookTicker"]),
    }
    received: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}

    async def main() -> None:
        async with run_simulator(SimConfig(port=0, speed=0, autoplay=False, kline_step_ms=15_000)) as sim:
            base = ws_base_url(sim.base_url)
            sockets = [await connect(stream_url(base, route, names), compression=None, proxy=None)
                       for route, names in cases.values()]
            readers = [asyncio.create_task(collect(ws, received[name])) for ws, name in zip(sockets, cases,
                                                                                             strict=True)]
            await sim.play()
            await sim.wait_finished(30)
            await until(lambda: len(received["liquidations on /market"]) >= 207, 10)
            await asyncio.sleep(0.3)
            for ws in sockets:
                await ws.close()
            await asyncio.gather(*readers)

    run(main)

    def events(name: str) -> Counter[str]:
        return Counter(frame["data"]["e"] for frame in received[name])

    assert events("liquidations on /market") == {"forceOrder": 207}
    assert events("klines on /market")["kline"] >= 407
    assert events("book on /public")["bookTicker"] > 0
    assert received["liquidations+klines on /public"] == []
    assert received["book on /market"] == []


def options() -> IngestOptions:
    return IngestOptions(backoff_base_ms=50, backoff_cap_ms=200, command_poll_ms=20)


async def start_ingest(client: redis.Redis, sim: RunningSimulator, stop: asyncio.Event) -> tuple[
        Ingest, asyncio.Task[None]]:
    ensure_command_group(client)
    config = BotConfig.model_validate_json(client.get("liqfade:config:active") or b"{}")
    ingest = Ingest(client, config, sim.base_url, options())
    return ingest, asyncio.create_task(ingest.run(stop))


def subscriptions(sim: RunningSimulator) -> dict[str, list[str]]:
    routes = sim.state()["routes"]
    return {route: routes[route]["subscriptions"] for route in ("market", "public")}


def publish_config(client: redis.Redis, version: int, symbols: list[str]) -> None:
    config = BotConfig.model_validate({**BotConfig().model_dump(), "version": version, "symbols": symbols})
    command = ConfigPublished(idempotency_key=f"cfg-{version}", actor="test", version=version, config=config)
    bus.append(client, [Envelope(id=f"{version:013d}-cfg", type=command.TYPE, v=command.VERSION, ts=version,
                                 source="api", payload=command)])


def test_ingest_when_started_subscribes_each_stream_on_its_route(redis_client: redis.Redis) -> None:
    store_config(redis_client, ("BTCUSDT", "ETHUSDT"))

    async def main() -> None:
        async with run_simulator(SimConfig(port=0, speed=0, autoplay=False)) as sim:
            stop = asyncio.Event()
            _, task = await start_ingest(redis_client, sim, stop)
            await until(lambda: sum(map(len, subscriptions(sim).values())) == 6, 10)
            assert subscriptions(sim) == {
                "market": ["btcusdt@forceOrder", "btcusdt@kline_1m", "ethusdt@forceOrder", "ethusdt@kline_1m"],
                "public": ["btcusdt@bookTicker", "ethusdt@bookTicker"],
            }
            stop.set()
            await task

    run(main)


def test_ingest_when_config_published_with_fewer_symbols_resubscribes_live(redis_client: redis.Redis) -> None:
    store_config(redis_client, ("BTCUSDT", "ETHUSDT"))

    async def main() -> None:
        async with run_simulator(SimConfig(port=0, speed=0, autoplay=False)) as sim:
            stop = asyncio.Event()
            _, task = await start_ingest(redis_client, sim, stop)
            await until(lambda: sum(map(len, subscriptions(sim).values())) == 6, 10)

            publish_config(redis_client, 2, ["BTCUSDT"])
            await until(lambda: subscriptions(sim) == {"market": ["btcusdt@forceOrder", "btcusdt@kline_1m"],
                                                       "public": ["btcusdt@bookTicker"]}, 10)
            publish_config(redis_client, 3, ["BTCUSDT", "ETHUSDT"])
            await until(lambda: sum(map(len, subscriptions(sim).values())) == 6, 10)
            publish_config(redis_client, 3, ["BTCUSDT"])  # not newer: ignored
            await asyncio.sleep(0.2)
            assert sum(map(len, subscriptions(sim).values())) == 6
            stop.set()
            await task

    run(main)

    connected = [e for e in read_stream(redis_client, "feed") if isinstance(e.payload, FeedConnected)]
    assert len(connected) == 2  # resubscribed on the live connections, no reconnect
    assert redis_client.xpending("commands", "ingest")["pending"] == 0

