"""Small shared helpers for the simulator tests (started in-process on an ephemeral port)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import orjson

from simulator.app import RunningSimulator
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, SimConfig

T = TypeVar("T")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "binance"


def fast_config(**overrides: Any) -> SimConfig:
    """Max speed, coarse kline steps, paused until the test has connected."""
    base: dict[str, Any] = {"port": 0, "speed": 0, "autoplay": False, "kline_step_ms": 15000}
    base.update(overrides)
    return SimConfig(**base)


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(coro_fn(), 50))


def signed_query(params: dict[str, Any], secret: str = DEFAULT_API_SECRET, ts: int | None = None) -> str:
    data = dict(params)
    data.setdefault("timestamp", ts if ts is not None else int(time.time() * 1000))
    query = urlencode(data)
    sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={sig}"


HEADERS = {"X-MBX-APIKEY": DEFAULT_API_KEY}


async def receive_all(ws: aiohttp.ClientWebSocketResponse, quiet_s: float = 0.5) -> list[Any]:
    """Every text frame until the socket is quiet for ``quiet_s`` seconds (or closes)."""
    out: list[Any] = []
    while True:
        try:
            msg = await ws.receive(timeout=quiet_s)
        except TimeoutError:
            return out
        if msg.type != aiohttp.WSMsgType.TEXT:
            return out
        out.append(orjson.loads(msg.data))


def shape(value: Any) -> Any:
    """Keys and JSON types, recursively (list items: the shape of the first one)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    return type(value).__name__


def set_book(sim: RunningSimulator, bid: str, ask: str, symbol: str = "BTCUSDT") -> None:
    """Move the book by hand (the clock stays where it is): market state and matching together."""
    inner = sim.sim
    now = inner.clock.now_ms()
    inner.market.apply_raw_book({"s": symbol, "b": bid, "a": ask, "B": "5", "A": "5", "u": now, "T": now})
    inner.trading.on_book(symbol, Decimal(bid), Decimal(ask), now)


async def rest(
    s: aiohttp.ClientSession,
    sim: RunningSimulator,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    key: str = DEFAULT_API_KEY,
    secret: str = DEFAULT_API_SECRET,
) -> tuple[int, Any]:
    """A signed call; (HTTP status, JSON body)."""
    url = f"{sim.base_url}{path}?{signed_query(params or {}, secret)}"
    async with s.request(method, url, headers={"X-MBX-APIKEY": key}) as r:
        return r.status, await r.json(content_type=None)


async def user_socket(s: aiohttp.ClientSession, sim: RunningSimulator) -> aiohttp.ClientWebSocketResponse:
    async with s.post(sim.base_url + "/fapi/v1/listenKey", headers=HEADERS) as r:
        key = (await r.json())["listenKey"]
    return await s.ws_connect(sim.ws_url + f"private/ws/{key}")
