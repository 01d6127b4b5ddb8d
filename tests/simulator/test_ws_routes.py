"""2026 route split, combined wrapper, live SUBSCRIBE protocol."""

from __future__ import annotations

import aiohttp

from simulator.app import run_simulator
from tests.simulator.helpers import fast_config, receive_all, run


def test_book_ticker_when_subscribed_on_market_route_gets_nothing() -> None:
    async def go() -> tuple[int, int, int]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            wrong = await s.ws_connect(sim.ws_url + "market/stream?streams=btcusdt@bookTicker")
            legacy = await s.ws_connect(
                sim.ws_url + "stream?streams=btcusdt@forceOrder"
            )  # root = /public only
            right = await s.ws_connect(sim.ws_url + "public/stream?streams=btcusdt@bookTicker")
            await sim.play()
            await sim.wait_finished(30)
            return (
                len(await receive_all(wrong, 1.0)),
                len(await receive_all(legacy, 0.2)),
                len(await receive_all(right, 0.2)),
            )

    wrong, legacy, right = run(go)
    assert wrong == 0 and legacy == 0
    assert right > 100


def test_combined_stream_frames_are_wrapped_with_stream_name() -> None:
    async def go() -> list[dict[str, object]]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "market/stream?streams=btcusdt@forceOrder")
            await sim.play()
            await sim.wait_finished(30)
            return await receive_all(ws)

    frames = run(go)
    assert len(frames) == 77  # BTCUSDT rows of the recorded CSV
    assert all(set(f) == {"stream", "data"} and f["stream"] == "btcusdt@forceOrder" for f in frames)


def test_live_subscribe_protocol_replies_like_binance() -> None:
    async def go() -> list[object]:
        replies: list[object] = []
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "market/ws")
            for msg in (
                {"method": "SUBSCRIBE", "params": ["btcusdt@kline_1m", "btcusdt@aggTrade"], "id": 1},
                {"method": "UNSUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 2},
                {"method": "LIST_SUBSCRIPTIONS", "id": 3},
                {"method": "SUBSCRIBE", "params": ["x"], "id": "a"},
                {"method": "GET_PROPERTY", "params": ["combined"], "id": 4},
                {"method": "GET_PROPERTY", "params": ["nope"], "id": 5},
                {"method": "BOGUS", "params": [], "id": 6},
            ):
                await ws.send_json(msg)
                replies.append(await ws.receive_json(timeout=2))
            await ws.send_str("{not json")
            replies.append(await ws.receive_json(timeout=2))
            await sim.play()
            await sim.wait_finished(30)
            frames = await receive_all(ws)
            replies.append({f["e"] for f in frames if isinstance(f, dict)})
        return replies

    r = run(go)
    assert r[0] == {"result": None, "id": 1}
    assert r[1] == {"result": None, "id": 2}
    assert r[2] == {"result": ["btcusdt@kline_1m"], "id": 3}
    assert r[3] == {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
    assert r[4] == {"result": False, "id": 4}
    assert r[5]["code"] == 0 and r[5]["msg"] == "Unknown property"  # type: ignore[index]
    assert r[6]["code"] == 2  # type: ignore[index]
    assert r[7]["code"] == 3  # type: ignore[index]
    assert r[8] == {"kline"}
