"""python-binance's AsyncClient and BinanceSocketManager cannot tell the simulator from Binance."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from binance import AsyncClient, BinanceSocketManager
from binance.exceptions import BinanceAPIException
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from simulator import run_simulator
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests.simulator.helpers import fast_config, run


def test_python_binance_rest_streams_and_orders_against_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-binance polls recv() with a 10 s timeout and waits for it on exit; 1 s keeps the suite fast.
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)

    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with run_simulator(fast_config(scenario=None)) as sim:
            client = AsyncClient(DEFAULT_API_KEY, DEFAULT_API_SECRET)
            client.FUTURES_URL = sim.fapi_url
            try:
                bm = BinanceSocketManager(
                    client, max_queue_size=100_000
                )  # default 100 overflows at max speed
                bm.FSTREAM_URL = sim.ws_url
                out["time"] = await client.futures_time()
                out["info"] = await client.futures_exchange_info()
                market = bm.futures_multiplex_socket(["!forceOrder@arr"], category="market")
                public = bm.futures_multiplex_socket(["btcusdt@bookTicker"], category="public")
                async with market as m, public as p:
                    await asyncio.sleep(0.3)
                    await sim.play()
                    out["liq"] = await asyncio.wait_for(m.recv(), 10)
                    out["book"] = await asyncio.wait_for(p.recv(), 10)
                    await sim.wait_finished(30)
                # max speed runs hours of virtual time (a listen key would expire): open it afterwards
                async with bm.futures_user_socket() as u:
                    await asyncio.sleep(0.3)
                    out["klines"] = await client.futures_klines(symbol="BTCUSDT", interval="1m", limit=5)
                    out["lev"] = await client.futures_change_leverage(symbol="BTCUSDT", leverage=2)
                    out["order"] = await client.futures_create_order(
                        symbol="BTCUSDT",
                        side="BUY",
                        type="MARKET",
                        quantity="0.002",
                        newClientOrderId="e2e-1",
                    )
                    out["stop"] = await client.futures_create_order(
                        symbol="BTCUSDT",
                        side="SELL",
                        type="STOP_MARKET",
                        stopPrice="90000.0",
                        closePosition="true",
                    )
                    out["query"] = await client.futures_get_order(symbol="BTCUSDT", origClientOrderId="e2e-1")
                    out["positions"] = await client.futures_position_information(symbol="BTCUSDT")
                    out["balance"] = await client.futures_account_balance()
                    out["events"] = [await asyncio.wait_for(u.recv(), 5) for _ in range(5)]
                    try:
                        await client.futures_create_order(
                            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="500"
                        )
                    except BinanceAPIException as exc:
                        out["error"] = (exc.status_code, exc.code, exc.message)
            finally:
                await client.close_connection()
        return out

    out = run(go)
    assert isinstance(out["time"]["serverTime"], int)
    assert {s["symbol"] for s in out["info"]["symbols"]} >= {"BTCUSDT", "ETHUSDT"}
    assert out["liq"]["stream"] == "!forceOrder@arr" and out["liq"]["data"]["e"] == "forceOrder"
    assert out["book"]["data"]["e"] == "bookTicker"
    assert len(out["klines"]) == 5
    assert out["order"]["status"] == "NEW" and out["order"]["clientOrderId"] == "e2e-1"  # ACK default
    assert out["stop"]["algoStatus"] == "NEW" and out["stop"]["closePosition"] is True
    assert out["query"]["status"] == "FILLED"
    assert out["positions"][0]["positionAmt"] == "0.002"
    assert out["balance"][0]["asset"] == "USDT"
    assert [e["e"] for e in out["events"]] == [
        "ORDER_TRADE_UPDATE",
        "TRADE_LITE",
        "ORDER_TRADE_UPDATE",
        "ACCOUNT_UPDATE",
        "ALGO_UPDATE",
    ]
    assert out["error"] == (400, -2019, "Margin is insufficient.")
