"""Account settings and money on the server: position mode, margin type, key permissions, order/test,
commissions in BNB, the trade/income ledger, funding, the mark price and the admin view of the account."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from simulator.app import run_simulator
from simulator.cli import config_from_args
from simulator.config import DOCS_API_KEY, DOCS_API_SECRET
from simulator.marks import MarkTracker
from simulator.scenarios import load_scenario
from tests.simulator.helpers import fast_config, rest, run, set_book

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}


def test_position_mode_when_hedge_is_set_refuses_orders_without_side_and_with_reduce_only() -> None:
    async def go() -> list[tuple[int, Any]]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.1")
            dual = "/fapi/v1/positionSide/dual"
            return [
                await rest(s, sim, "POST", dual, {"dualSidePosition": "false"}),
                await rest(s, sim, "POST", dual, {"dualSidePosition": "true"}),
                await rest(s, sim, "GET", dual),
                await rest(s, sim, "POST", "/fapi/v1/order", ORDER),
                await rest(s, sim, "POST", "/fapi/v1/order", dict(ORDER, positionSide="LONG", reduceOnly="false")),
                await rest(s, sim, "POST", "/fapi/v1/order/test", dict(ORDER, positionSide="BOTH")),
                await rest(s, sim, "POST", "/fapi/v1/order", dict(ORDER, positionSide="LONG")),
                await rest(s, sim, "GET", "/fapi/v1/accountConfig"),
            ]

    unchanged, changed, mode, no_side, reduce_only, test_both, long_leg, config = run(go)
    assert unchanged == (400, {"code": -4059, "msg": "No need to change position side."})
    assert changed == (200, {"code": 200, "msg": "success"}) and mode == (200, {"dualSidePosition": True})
    assert no_side == (400, {"code": -4061, "msg": "Order's position side does not match user's setting."})
    assert reduce_only == (400, {"code": -1106, "msg": "Parameter 'reduceonly' sent when not required."})
    assert test_both[1]["code"] == -4061
    assert long_leg[1]["code"] == -1000 and "not simulated" in long_leg[1]["msg"]
    assert config[1]["dualSidePosition"] is True and config[1]["canTrade"] is True


def test_position_mode_when_position_is_open_cannot_change() -> None:
    async def go() -> tuple[int, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.1")
            await rest(s, sim, "POST", "/fapi/v1/order", ORDER)
            return await rest(s, sim, "POST", "/fapi/v1/positionSide/dual", {"dualSidePosition": "true"})

    assert run(go) == (400, {"code": -4068, "msg": "Position side cannot be changed if there exists position."})


def test_read_only_key_when_trading_gets_401_2015_and_reads_work() -> None:
    read_only = fast_config(read_only_keys=frozenset({DOCS_API_KEY}))

    async def go() -> list[tuple[int, Any]]:
        async with run_simulator(read_only) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.1")

            async def ro(method: str, path: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
                return await rest(s, sim, method, path, params, DOCS_API_KEY, DOCS_API_SECRET)

            return [
                await ro("POST", "/fapi/v1/order", ORDER),
                await ro("POST", "/fapi/v1/order/test", ORDER),
                await ro("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "5"}),
                await ro("POST", "/fapi/v1/multiAssetsMargin", {"multiAssetsMargin": "true"}),
                await ro("GET", "/fapi/v3/balance"),
                await ro("GET", "/fapi/v1/accountConfig"),
                await ro("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}),
                await rest(s, sim, "POST", "/fapi/v1/order/test", ORDER),  # the default key may trade
            ]

    order, test, leverage, multi, balance, config, trades, allowed = run(go)
    denied = (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
    assert order == test == leverage == multi == denied
    assert balance[0] == 200 and [b["asset"] for b in balance[1]] == ["USDT", "BNB"]
    assert config[0] == 200 and config[1]["canTrade"] is False and trades == (200, [])
    assert allowed == (200, {})


def test_account_admin_when_key_made_read_only_applies_to_next_request() -> None:
    async def go() -> tuple[Any, tuple[int, Any]]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            async with s.post(sim.base_url + "/_sim/account", json={"read_only_keys": [DOCS_API_KEY]}) as r:
                settings = await r.json()
            lev = {"symbol": "BTCUSDT", "leverage": "5"}
            return settings, await rest(s, sim, "POST", "/fapi/v1/leverage", lev, DOCS_API_KEY, DOCS_API_SECRET)

    settings, denied = run(go)
    assert settings["ok"] is True and settings["read_only_keys"] == [DOCS_API_KEY]
    assert denied[0] == 401


def test_margin_type_when_changed_shows_in_symbol_config_position_risk_and_account_update() -> None:
    async def go() -> list[tuple[int, Any]]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.1")
            mt = "/fapi/v1/marginType"
            out = [
                await rest(s, sim, "POST", mt, {"symbol": "BTCUSDT", "marginType": "CROSSED"}),
                await rest(s, sim, "POST", mt, {"symbol": "BTCUSDT", "marginType": "ISOLATED"}),
                await rest(s, sim, "GET", "/fapi/v1/symbolConfig", {"symbol": "BTCUSDT"}),
                await rest(s, sim, "POST", "/fapi/v1/multiAssetsMargin", {"multiAssetsMargin": "true"}),
                await rest(s, sim, "POST", "/fapi/v1/order", ORDER),
                await rest(s, sim, "POST", mt, {"symbol": "BTCUSDT", "marginType": "CROSSED"}),
                await rest(s, sim, "GET", "/fapi/v2/positionRisk", {"symbol": "BTCUSDT"}),
                await rest(s, sim, "GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"}),
            ]
            limit = dict(ORDER, symbol="ETHUSDT", type="LIMIT", price="3000.00", timeInForce="GTC")
            set_book(sim, "4000.00", "4000.01", "ETHUSDT")
            await rest(s, sim, "POST", "/fapi/v1/order", limit)
            out.append(await rest(s, sim, "POST", mt, {"symbol": "ETHUSDT", "marginType": "ISOLATED"}))
            return out

    same, changed, config, multi, _, with_position, v2, v3, with_order = run(go)
    assert same == (400, {"code": -4046, "msg": "No need to change margin type."})
    assert changed == (200, {"code": 200, "msg": "success"})
    assert config[1] == [
        {"symbol": "BTCUSDT", "marginType": "ISOLATED", "isAutoAddMargin": False, "leverage": 20,
         "maxNotionalValue": "1000000"}
    ]
    assert multi[1]["code"] == -4167
    assert with_position[1] == {"code": -4048, "msg": "Margin type cannot be changed if there exists position."}
    assert v2[1][0]["marginType"] == "isolated" and v2[1][0]["leverage"] == "20"
    assert D(v2[1][0]["isolatedWallet"]) == D("0.010") * D("100000.1") / 20
    assert "marginType" not in v3[1][0] and "leverage" not in v3[1][0]
    assert with_order[1]["code"] == -4047


def test_round_trip_when_paid_in_bnb_lists_trades_income_and_bnb_fees_in_state() -> None:
    async def go() -> dict[str, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            account = {"fee_asset": "BNB", "bnb_price": "600", "bnb_balance": "0.001"}
            assert (await sim.fault({"action": "account", **account}))["fee_asset"] == "BNB"
            set_book(sim, "100000.0", "100000.1")
            await rest(s, sim, "POST", "/fapi/v1/order", ORDER)
            set_book(sim, "100100.0", "100100.1")
            await rest(s, sim, "POST", "/fapi/v1/order", dict(ORDER, side="SELL", reduceOnly="true"))
            return {
                "trades": (await rest(s, sim, "GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}))[1],
                "income": (await rest(s, sim, "GET", "/fapi/v1/income"))[1],
                "pnl": (await rest(s, sim, "GET", "/fapi/v1/income", {"incomeType": "REALIZED_PNL"}))[1],
                "balance": (await rest(s, sim, "GET", "/fapi/v2/balance"))[1],
                "state": sim.state()["account"],
            }

    out = run(go)
    buy, sell = out["trades"]
    assert (buy["commissionAsset"], buy["commission"], buy["buyer"], buy["maker"]) == ("BNB", "0.00075", True, False)
    # the BNB wallet (0.001 - 0.00075) cannot pay the second fee: USDT at the full rate
    assert (sell["commissionAsset"], sell["commission"], sell["realizedPnl"]) == ("USDT", "0.5005", "0.999")
    assert sell["quoteQty"] == "1001" and sell["side"] == "SELL" and sell["positionSide"] == "BOTH"
    assert [(r["incomeType"], r["income"], r["asset"]) for r in out["income"]] == [
        ("COMMISSION", "-0.00075000", "BNB"),
        ("REALIZED_PNL", "0.99900000", "USDT"),
        ("COMMISSION", "-0.50050000", "USDT"),
    ]
    assert out["pnl"][0]["tradeId"] == str(sell["id"]) and len(out["pnl"]) == 1
    assert [(b["asset"], b["balance"]) for b in out["balance"]] == [("USDT", "10000.49850000"), ("BNB", "0.00025000")]
    state = out["state"]
    assert state["wallet"] == {"USDT": "10000.49850000", "BNB": "0.00025000"} and state["positions"] == {}
    assert state["bnb_fees"] == {"BNB": "0.00075000", "USDT": "0.45000000"}


def scenario(tmp_path: Path, **extra: Any) -> Path:
    """Ten quiet BTC minutes from 07:55 UTC (so 08:00 funding falls inside) plus ``extra`` keys."""
    bars = [["100000.0", "100010.0", "99990.0", "100000.0", "10"] for _ in range(10)]
    doc = {"start": "2025-10-22T07:55:00", "klines": {"BTCUSDT": bars}, **extra}
    path = tmp_path / "funding.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def test_funding_when_scenario_names_a_second_and_8h_mark_charges_at_both(tmp_path: Path) -> None:
    path = scenario(tmp_path, funding={"rate": "0.0002", "at_s": [30]})

    async def go() -> Any:
        async with run_simulator(fast_config(scenario=path)) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.1")
            await rest(s, sim, "POST", "/fapi/v1/order", ORDER)
            await sim.play()
            await sim.wait_finished(30)
            return (await rest(s, sim, "GET", "/fapi/v1/income", {"incomeType": "FUNDING_FEE"}))[1]

    rows = run(go)
    start = 1761119700000  # 2025-10-22T07:55:00Z
    assert [r["time"] for r in rows] == [start + 30_000, 1761120000000]  # second 30, then 08:00:00 UTC
    assert all(r["symbol"] == "BTCUSDT" and r["asset"] == "USDT" for r in rows)
    assert all(D("-0.21") < D(r["income"]) < D("-0.19") for r in rows)  # 0.010 x ~100000 x 0.0002, longs pay


def test_scenario_when_it_sets_trigger_account_and_mark_the_server_starts_with_them(tmp_path: Path) -> None:
    path = scenario(
        tmp_path,
        trigger={"order": "finished_first", "engine_client_id": "own"},
        account={"fee_asset": "BNB", "margin_type": {"ETHUSDT": "ISOLATED"}, "leverage": {"BTCUSDT": 5}},
        mark={"smoothing_s": 0, "premium_bps": 10},
        funding={"every_8h": False},
    )
    sc = load_scenario(path)
    assert sc.exchange.mark_premium_bps == 10 and sc.exchange.funding_every_8h is False

    async def go() -> tuple[dict[str, Any], Any]:
        async with run_simulator(fast_config(scenario=path)) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.2")
            async with s.get(sim.base_url + "/fapi/v1/premiumIndex?symbol=BTCUSDT") as r:
                return sim.state()["account"]["settings"], await r.json()

    settings, premium = run(go)
    assert settings["trigger"] == {"order": "finished_first", "engine_client_id": "own"}
    assert settings["fee_asset"] == "BNB" and settings["margin_type"]["ETHUSDT"] == "ISOLATED"
    assert settings["leverage"]["BTCUSDT"] == 5
    assert premium["markPrice"] == "100100.10010000" and premium["indexPrice"] == "100000.10000000"  # +10 bp


def test_cli_flags_when_given_set_the_trigger_play_over_the_scenario(tmp_path: Path) -> None:
    path = scenario(tmp_path, trigger={"order": "triggered_first"})
    flags = ["--trigger-order", "finished_first", "--engine-client-id", "own"]
    config = config_from_args(["--scenario", str(path), *flags])
    assert (config.trigger_order, config.engine_client_id) == ("finished_first", "own")

    async def go() -> dict[str, Any]:
        async with run_simulator(fast_config(scenario=path, trigger_order="finished_first")) as sim:
            return sim.state()["account"]["settings"]["trigger"]  # type: ignore[no-any-return]

    assert run(go) == {"order": "finished_first", "engine_client_id": "ours"}


def test_mark_tracker_when_last_price_wicks_for_a_second_moves_little() -> None:
    marks = MarkTracker(smoothing_s=3)
    for t in range(0, 10_001, 250):
        marks.update("BTCUSDT", D("100000"), t)
    assert marks.update("BTCUSDT", D("99000"), 10_250) == D("100000")  # the wick starts: no time has passed
    marks.advance("BTCUSDT", 11_000)
    mark = marks.update("BTCUSDT", D("100000"), 11_250)  # one second of wick
    assert D("99700") < mark < D("99800")  # 1000 x (1 - e^(-1/3)) ~ 283 below
    settled = marks.advance("BTCUSDT", 60_000)
    assert settled is not None and abs(settled - D("100000")) < D("0.01")


def test_price_endpoints_when_book_is_set_answer_mark_index_and_bnb_price() -> None:
    async def go() -> list[Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            set_book(sim, "100000.0", "100000.2")
            out = []
            for path in ("/fapi/v1/premiumIndex?symbol=BTCUSDT", "/fapi/v1/ticker/price?symbol=BNBUSDT",
                         "/fapi/v2/ticker/price", "/fapi/v1/ticker/price?symbol=NOPE"):
                async with s.get(sim.base_url + path) as r:
                    out.append(await r.json())
            return out

    premium, bnb, tickers, unknown = run(go)
    assert premium["markPrice"] == "100000.10000000" and premium["lastFundingRate"] == "0.00010000"
    assert premium["nextFundingTime"] % (8 * 3600 * 1000) == 0
    assert (bnb["symbol"], bnb["price"]) == ("BNBUSDT", "600")
    assert {t["symbol"] for t in tickers} == {"BTCUSDT", "BNBUSDT"} and unknown["code"] == -1121
