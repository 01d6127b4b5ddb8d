"""python-binance's AsyncClient and BinanceSocketManager cannot tell the simulator from Binance."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from binance import AsyncClient, BinanceSocketManager
from binance.exceptions import BinanceAPIException
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from simulator.app import run_simulator
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests.simulator.helpers import fast_config, run, set_book


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


def test_python_binance_account_calls_when_run_against_simulator_get_binance_shapes() -> None:
    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with run_simulator(fast_config()) as sim:
            set_book(sim, "100000.0", "100000.1")
            client = AsyncClient(DEFAULT_API_KEY, DEFAULT_API_SECRET)
            client.FUTURES_URL = sim.fapi_url
            try:
                out["config"] = await client.futures_account_config()
                out["mode"] = await client.futures_get_position_mode()
                out["multi"] = await client.futures_get_multi_assets_mode()
                out["margin"] = await client.futures_change_margin_type(symbol="ETHUSDT", marginType="ISOLATED")
                try:
                    await client.futures_change_margin_type(symbol="ETHUSDT", marginType="ISOLATED")
                except BinanceAPIException as exc:
                    out["margin_again"] = (exc.status_code, exc.code, exc.message)
                out["symbols"] = await client.futures_symbol_config()
                out["test"] = await client.futures_create_test_order(
                    symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.010"
                )
                await client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.010")
                out["stop"] = await client.futures_create_algo_order(
                    symbol="BTCUSDT", side="SELL", type="STOP_MARKET", algoType="CONDITIONAL",
                    triggerPrice="99500.0", closePosition="true", workingType="MARK_PRICE", priceProtect="true",
                )
                set_book(sim, "99400.0", "99400.1")  # a frozen clock: the mark is the mid, the stop fills
                out["algo"] = await client.futures_get_algo_order(algoId=out["stop"]["algoId"])
                out["trades"] = await client.futures_account_trades(symbol="BTCUSDT")
                out["income"] = await client.futures_income_history(incomeType="COMMISSION")
                out["account"] = await client.futures_account()
                out["positions_v2"] = await client.futures_position_information(symbol="BTCUSDT", version=2)
                out["mark"] = await client.futures_mark_price(symbol="BTCUSDT")
                out["ticker"] = await client.futures_symbol_ticker(symbol="BNBUSDT")
                out["forced"] = await client.futures_liquidation_orders()
            finally:
                await client.close_connection()
        return out

    out = run(go)
    assert out["config"] == {
        "feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": False, "dualSidePosition": False,
        "updateTime": 0, "multiAssetsMargin": False, "tradeGroupId": -1,
    }
    assert out["mode"] == {"dualSidePosition": False} and out["multi"] == {"multiAssetsMargin": False}
    assert out["margin"] == {"code": 200, "msg": "success"}
    assert out["margin_again"] == (400, -4046, "No need to change margin type.")
    assert {s["symbol"]: s["marginType"] for s in out["symbols"]}["ETHUSDT"] == "ISOLATED"
    assert out["test"] == {}
    assert out["stop"]["priceProtect"] is True and out["stop"]["workingType"] == "MARK_PRICE"
    algo = out["algo"]
    assert algo["algoStatus"] == "FINISHED" and algo["actualOrderId"] and algo["actualQty"] == "0.010"
    assert [t["side"] for t in out["trades"]] == ["BUY", "SELL"] and out["trades"][1]["realizedPnl"] == "-6.001"
    assert len(out["income"]) == 2 and all(r["incomeType"] == "COMMISSION" for r in out["income"])
    assert out["account"]["canTrade"] is True and [a["asset"] for a in out["account"]["assets"]] == ["USDT", "BNB"]
    assert out["positions_v2"][0]["positionAmt"] == "0.000" and out["positions_v2"][0]["marginType"] == "cross"
    assert out["mark"]["symbol"] == "BTCUSDT" and out["mark"]["markPrice"] == "99400.05000000"
    assert out["ticker"]["price"] == "600" and out["forced"] == []
