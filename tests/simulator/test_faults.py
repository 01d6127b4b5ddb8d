"""Fault injection: drops, close codes, silence, REST 503 / -1008 / 429 -> 418."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from simulator.app import run_simulator
from tests.simulator.helpers import HEADERS, fast_config, receive_all, run, signed_query


def test_drop_and_close_1001_reach_clients() -> None:
    async def go() -> tuple[Any, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            a = await s.ws_connect(sim.ws_url + "market/ws/btcusdt@forceOrder")
            b = await s.ws_connect(sim.ws_url + "public/ws/btcusdt@bookTicker")
            async with s.post(
                sim.base_url + "/_sim/fault", json={"action": "close", "code": 1001, "route": "market"}
            ) as r:
                assert (await r.json())["affected"] == 1
            closed = await a.receive(timeout=2)
            await sim.fault({"action": "drop_connections"})
            dropped = await b.receive(timeout=2)
            return (closed.type, closed.data), dropped.type

    (closed_type, code), dropped = run(go)
    assert closed_type == aiohttp.WSMsgType.CLOSE and code == 1001
    assert dropped in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE)


def test_silence_on_market_route_withholds_frames_but_keeps_connection() -> None:
    async def go() -> tuple[int, int, bool]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            market = await s.ws_connect(sim.ws_url + "market/ws/btcusdt@forceOrder")
            public = await s.ws_connect(sim.ws_url + "public/ws/btcusdt@bookTicker")
            await sim.fault({"action": "silence", "route": "market", "seconds": 10**7})
            await sim.play()
            await sim.wait_finished(30)
            return len(await receive_all(market)), len(await receive_all(public)), not market.closed

    silent, public, still_open = run(go)
    assert silent == 0 and public > 100 and still_open


def test_rest_errors_503_throttle_and_429_then_418() -> None:
    async def go() -> list[tuple[int, Any, str | None]]:
        out: list[tuple[int, Any, str | None]] = []
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            await sim.play()
            await sim.wait_finished(30)

            async def call(method: str, path: str) -> None:
                async with s.request(method, sim.base_url + path, headers=HEADERS) as r:
                    out.append((r.status, await r.json(), r.headers.get("Retry-After")))

            await sim.fault({"action": "rest_error", "kind": "unknown", "count": 1})
            await call("GET", "/fapi/v1/time")
            await call("GET", "/fapi/v1/time")
            order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
            await sim.fault({"action": "rest_error", "kind": "throttled", "count": 1})
            await call("POST", "/fapi/v1/order?" + signed_query(dict(order, reduceOnly="true", side="SELL")))
            await call("POST", "/fapi/v1/order?" + signed_query(order))
            await sim.fault({"action": "rest_error", "kind": "unknown_placed", "count": 1})
            await call("POST", "/fapi/v1/order?" + signed_query(dict(order, newClientOrderId="placed-1")))
            await call(
                "GET",
                "/fapi/v1/order?" + signed_query({"symbol": "BTCUSDT", "origClientOrderId": "placed-1"}),
            )
            await sim.fault({"action": "rate_limit", "seconds": 30, "ban_after": 2, "ban_seconds": 60})
            for _ in range(4):
                await call("GET", "/fapi/v1/time")
            await sim.fault({"action": "clear"})
            await call("GET", "/fapi/v1/time")
        return out

    out = run(go)
    unknown = {"code": -1007, "msg": "Unknown error, please check your request or try again later."}
    assert out[0][:2] == (503, unknown) and out[1][0] == 200
    assert out[2][1]["code"] == -2022  # reduce-only is exempt from -1008 (and rejected: no position)
    assert out[3][0] == 503 and out[3][1]["code"] == -1008
    assert out[4][:2] == (503, unknown)
    assert out[5][0] == 200 and out[5][1]["status"] == "FILLED"  # the 503'd order exists
    assert [o[0] for o in out[6:10]] == [429, 429, 418, 418]
    assert all(o[2] is not None and o[1]["code"] == -1003 for o in out[6:10])
    assert out[10][0] == 200


def test_delay_fault_holds_frames() -> None:
    async def go() -> float:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "market/ws/btcusdt@forceOrder")
            await sim.fault({"action": "delay", "route": "market", "ms": 400})
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await sim.play()
            await ws.receive(timeout=5)
            return loop.time() - t0

    assert run(go) >= 0.39
