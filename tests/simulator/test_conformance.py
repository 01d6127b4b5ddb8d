"""Every payload the simulator emits has the keys and JSON types of the Binance fixtures."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from simulator.app import run_simulator
from tests.simulator.helpers import FIXTURES, HEADERS, fast_config, receive_all, rest, run, shape, signed_query


def fixture(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


def assert_same_shape(produced: Any, expected: Any, ignore: frozenset[str] = frozenset()) -> None:
    got, want = shape(produced), shape(expected)
    if isinstance(want, dict):
        assert isinstance(got, dict), (got, want)
        assert set(got) - ignore == set(want) - ignore, sorted(set(got) ^ set(want))
        for k in set(want) - ignore:
            if isinstance(want[k], dict | list) and want[k]:
                assert_same_shape(produced[k], expected[k], ignore)
            else:
                assert got[k] == want[k], (k, got[k], want[k])
    elif isinstance(want, list):
        assert_same_shape(produced[0], expected[0], ignore)
    else:
        assert got == want


def test_market_stream_payloads_when_played_match_fixtures() -> None:
    async def go() -> dict[str, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            market = await s.ws_connect(
                sim.ws_url + "market/ws/!forceOrder@arr/btcusdt@kline_1m/btcusdt@aggTrade"
            )
            public = await s.ws_connect(sim.ws_url + "public/ws/btcusdt@bookTicker")
            await sim.play()
            await sim.wait_finished(30)
            frames = await receive_all(market) + await receive_all(public)
        return {f["e"]: f for f in frames}

    seen = run(go)
    assert_same_shape(seen["forceOrder"], fixture("forceOrder.json"))
    assert_same_shape(seen["kline"], fixture("kline_1m.json"))
    assert_same_shape(seen["aggTrade"], fixture("aggTrade.json"))
    assert_same_shape(seen["bookTicker"], fixture("bookTicker.json"))


def test_rest_and_user_payloads_match_fixtures() -> None:
    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            await sim.play()
            await sim.wait_finished(30)
            base = sim.base_url
            async with s.get(base + "/fapi/v1/exchangeInfo") as r:
                out["exchangeInfo"] = await r.json()
            async with s.post(base + "/fapi/v1/listenKey", headers=HEADERS) as r:
                key = (await r.json())["listenKey"]
            user = await s.ws_connect(sim.ws_url + f"private/ws/{key}")
            order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
            async with s.post(base + "/fapi/v1/order?" + signed_query(order), headers=HEADERS) as r:
                out["order"] = await r.json()
            algo = {
                "algoType": "CONDITIONAL",
                "symbol": "BTCUSDT",
                "side": "SELL",
                "type": "STOP_MARKET",
                "triggerPrice": "90000.0",
                "closePosition": "true",
            }
            async with s.post(base + "/fapi/v1/algoOrder?" + signed_query(algo), headers=HEADERS) as r:
                out["algo"] = await r.json()
            stop = dict(order, type="STOP_MARKET", stopPrice="90000")
            async with s.post(base + "/fapi/v1/order?" + signed_query(stop), headers=HEADERS) as r:
                out["-4120"] = (r.status, await r.json())
            huge = dict(order, quantity="900")
            async with s.post(base + "/fapi/v1/order?" + signed_query(huge), headers=HEADERS) as r:
                out["-2019"] = (r.status, await r.json())
            await sim.fault({"action": "listen_key_expired"})
            for frame in await receive_all(user):
                out.setdefault(frame["e"], frame)
        return out

    out = run(go)
    assert out["-4120"] == (400, fixture("error_-4120.json"))
    assert out["-2019"] == (400, fixture("error_-2019.json"))
    assert_same_shape(out["order"], fixture("batchOrders_response_ccxt_real.json")[0])
    assert_same_shape(out["algo"], fixture("algo_order_response.json"))
    # AP and cr only exist for trailing stops (real LIMIT capture, reference §3.2).
    assert_same_shape(out["ORDER_TRADE_UPDATE"], fixture("order_trade_update.json"), frozenset({"AP", "cr"}))
    assert_same_shape(out["TRADE_LITE"], fixture("trade_lite.json"))
    assert_same_shape(out["ACCOUNT_UPDATE"], fixture("account_update.json"))
    assert_same_shape(out["ALGO_UPDATE"], fixture("algo_update.json"))
    assert_same_shape(out["listenKeyExpired"], fixture("listenKeyExpired.json"))
    info, want = out["exchangeInfo"], fixture("exchangeInfo_excerpt.json")
    want_symbol = dict(want["symbols"][0])
    want_symbol["orderTypes"] = want_symbol.pop("OrderType")  # real key (reference §4.6)
    assert_same_shape(
        {k: v for k, v in info.items() if k != "symbols"}, {k: v for k, v in want.items() if k != "symbols"}
    )
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    assert_same_shape(
        {k: v for k, v in btc.items() if k != "filters"},
        {k: v for k, v in want_symbol.items() if k != "filters"},
    )
    by_type = {f["filterType"]: f for f in btc["filters"]}
    for f in want_symbol["filters"]:
        assert_same_shape(by_type[f["filterType"]], f)
    assert by_type["PRICE_FILTER"]["tickSize"] == "0.10" and by_type["MIN_NOTIONAL"]["notional"] == "100"


def test_shape_helper_when_types_differ_fails() -> None:
    try:
        assert_same_shape({"E": 1}, {"E": "1"})
    except AssertionError:
        return
    raise AssertionError("shape comparison must see str vs int")


_ = asyncio


# Key sets of the docs examples (reference §2.6, §4, §5b; qiuham/crypto-api-docs pages of 2026-01).
DOCS_KEYS = {
    "userTrades": "buyer commission commissionAsset id maker orderId price qty quoteQty realizedPnl side positionSide "
    "symbol time",
    "income": "symbol incomeType income asset info time tranId tradeId",
    "forceOrders": "orderId symbol status clientOrderId price avgPrice origQty executedQty cumQuote timeInForce type "
    "reduceOnly closePosition side positionSide stopPrice workingType origType time updateTime",
    "premiumIndex": "symbol markPrice indexPrice estimatedSettlePrice lastFundingRate interestRate nextFundingTime "
    "time",
    "positionRisk_v2": "entryPrice breakEvenPrice marginType isAutoAddMargin isolatedMargin leverage liquidationPrice "
    "markPrice maxNotionalValue positionAmt notional isolatedWallet symbol unRealizedProfit positionSide updateTime",
    "account_v3": "totalInitialMargin totalMaintMargin totalWalletBalance totalUnrealizedProfit totalMarginBalance "
    "totalPositionInitialMargin totalOpenOrderInitialMargin totalCrossWalletBalance totalCrossUnPnl availableBalance "
    "maxWithdrawAmount assets positions",
    "account_v3_asset": "asset walletBalance unrealizedProfit marginBalance maintMargin initialMargin "
    "positionInitialMargin openOrderInitialMargin crossWalletBalance crossUnPnl availableBalance maxWithdrawAmount "
    "updateTime",
    "account_v3_position": "symbol positionSide positionAmt unrealizedProfit isolatedMargin notional isolatedWallet "
    "initialMargin maintMargin updateTime",
    "markPriceUpdate": "e E s p i P r T",
}


def test_account_payloads_when_served_have_the_docs_example_keys() -> None:
    async def go() -> dict[str, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            mark = await s.ws_connect(sim.ws_url + "market/ws/btcusdt@markPrice@1s")
            await sim.play()
            await sim.wait_finished(30)
            marks = await receive_all(mark)
            out: dict[str, Any] = {"markPriceUpdate": marks[-1], "smoothed": any(f["p"] != f["i"] for f in marks)}
            order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
            await rest(s, sim, "POST", "/fapi/v1/order", order)
            await sim.fault({"action": "force_close", "symbol": "BTCUSDT", "kind": "liquidation"})
            out["userTrades"] = (await rest(s, sim, "GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}))[1][0]
            out["income"] = (await rest(s, sim, "GET", "/fapi/v1/income"))[1][0]
            out["forceOrders"] = (await rest(s, sim, "GET", "/fapi/v1/forceOrders"))[1][0]
            async with s.get(sim.base_url + "/fapi/v1/premiumIndex?symbol=BTCUSDT") as r:
                out["premiumIndex"] = await r.json()
            out["positionRisk_v2"] = (await rest(s, sim, "GET", "/fapi/v2/positionRisk"))[1][0]
            await rest(s, sim, "POST", "/fapi/v1/order", order)
            account = (await rest(s, sim, "GET", "/fapi/v3/account"))[1]
            out["account_v3"], out["account_v3_asset"] = account, account["assets"][0]
            out["account_v3_position"] = account["positions"][0]
            return out

    out = run(go)
    for name, keys in DOCS_KEYS.items():
        assert set(out[name]) == set(keys.split()), (name, sorted(set(out[name]) ^ set(keys.split())))
    assert out["smoothed"]  # the mark is smoothed, not the mid itself
