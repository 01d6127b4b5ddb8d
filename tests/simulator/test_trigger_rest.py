"""Stops on the server: the trigger play on the private stream, refusals at trigger, GTE expiry, denied
algo queries and positions the exchange closes itself (over REST, the admin faults and the user stream)."""

from __future__ import annotations

from typing import Any

import aiohttp

from simulator.app import RunningSimulator, run_simulator
from tests.simulator.helpers import fast_config, receive_all, rest, run, set_book, user_socket

Frames = list[dict[str, Any]]


def steps(frames: Frames) -> list[tuple[str, str]]:
    return [(f["e"], f["a"]["m"] if f["e"] == "ACCOUNT_UPDATE" else f.get("o", {}).get("X", "")) for f in frames]


async def open_long_with_stops(s: aiohttp.ClientSession, sim: RunningSimulator) -> None:
    set_book(sim, "100000.0", "100000.1")
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}
    assert (await rest(s, sim, "POST", "/fapi/v1/order", order))[0] == 200
    for type_, trigger, cid in (("STOP_MARKET", "99500.0", "sl-1"), ("TAKE_PROFIT_MARKET", "100500.0", "tp-1")):
        algo = {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL", "type": type_,
                "triggerPrice": trigger, "closePosition": "true", "clientAlgoId": cid}
        assert (await rest(s, sim, "POST", "/fapi/v1/algoOrder", algo))[0] == 200


async def stop_out(fault: dict[str, Any] | None = None) -> Frames:
    """A long with a stop and a take profit; the stop triggers; the private frames from there on."""
    async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
        await open_long_with_stops(s, sim)
        if fault is not None:
            assert (await sim.fault(fault)) is not None
        ws = await user_socket(s, sim)
        set_book(sim, "99400.0", "99400.1")
        return await receive_all(ws, 0.3)


FILL = [
    ("ORDER_TRADE_UPDATE", "NEW"),
    ("TRADE_LITE", ""),
    ("ORDER_TRADE_UPDATE", "FILLED"),
    ("ACCOUNT_UPDATE", "ORDER"),
]


def test_stop_on_server_when_defaults_plays_fill_first_with_our_id_then_expires_take_profit() -> None:
    frames = run(lambda: stop_out())
    assert steps(frames) == [
        ("ALGO_UPDATE", "TRIGGERING"), *FILL, ("ALGO_UPDATE", "TRIGGERED"), ("ALGO_UPDATE", "FINISHED"),
        ("ALGO_UPDATE", "EXPIRED"),
    ]
    assert {f["o"]["c"] for f in frames if f["e"] == "ORDER_TRADE_UPDATE"} == {"sl-1"}
    assert frames[-1]["o"]["caid"] == "tp-1"


def test_stop_on_server_when_trigger_play_fault_sets_finished_first_and_own_id_plays_them() -> None:
    frames = run(lambda: stop_out({"action": "trigger_play", "order": "finished_first", "engine_client_id": "own"}))
    assert steps(frames) == [
        ("ALGO_UPDATE", "TRIGGERING"), *FILL, ("ALGO_UPDATE", "FINISHED"), ("ALGO_UPDATE", "TRIGGERED"),
        ("ALGO_UPDATE", "EXPIRED"),
    ]
    assert {f["o"]["c"] for f in frames if f["e"] == "ORDER_TRADE_UPDATE"} == {f"x-algo-{frames[0]['o']['aid']}"}


def test_stop_on_server_when_trigger_is_refused_ends_rejected_with_reason_and_position_stays() -> None:
    async def go() -> tuple[Frames, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            await open_long_with_stops(s, sim)
            fault = {"action": "refuse_trigger", "outcome": "REJECTED", "reason": "Reduce Only reject", "count": 1,
                     "type": "STOP_MARKET"}
            await sim.fault(fault)
            ws = await user_socket(s, sim)
            set_book(sim, "99400.0", "99400.1")
            frames = await receive_all(ws, 0.3)
            return frames, (await rest(s, sim, "GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"}))[1]

    frames, positions = run(go)
    assert steps(frames) == [("ALGO_UPDATE", "TRIGGERING"), ("ALGO_UPDATE", "REJECTED")]
    assert frames[-1]["o"]["rm"] == "Reduce Only reject" and frames[-1]["o"]["ai"] == ""
    assert positions[0]["positionAmt"] == "0.010"


def test_algo_queries_when_denied_answer_2013_and_2011_then_the_order_again() -> None:
    async def go() -> list[tuple[int, Any]]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            await open_long_with_stops(s, sim)
            ref = {"clientAlgoId": "sl-1"}
            await sim.fault({"action": "deny_algo_queries", "count": 2})
            out = [await rest(s, sim, "GET", "/fapi/v1/algoOrder", ref)]
            out.append(await rest(s, sim, "DELETE", "/fapi/v1/algoOrder", dict(ref, symbol="BTCUSDT")))
            out.append(await rest(s, sim, "GET", "/fapi/v1/algoOrder", ref))
            await sim.fault({"action": "deny_algo_queries", "seconds": 5})
            out.append(await rest(s, sim, "GET", "/fapi/v1/algoOrder", ref))
            sim.sim.clock.set(sim.sim.clock.now_ms() + 6000)  # 6 virtual seconds later
            out.append(await rest(s, sim, "DELETE", "/fapi/v1/algoOrder", dict(ref, symbol="BTCUSDT")))
            return out

    denied_get, denied_cancel, answered, denied_again, canceled = run(go)
    assert denied_get == (400, {"code": -2013, "msg": "Order does not exist."})
    assert denied_cancel == (400, {"code": -2011, "msg": "Unknown order sent."})
    assert answered[0] == 200 and answered[1]["algoStatus"] == "NEW" and answered[1]["actualOrderId"] == ""
    assert denied_again[1]["code"] == -2013
    assert canceled[0] == 200 and canceled[1]["clientAlgoId"] == "sl-1"


def test_force_close_fault_when_liquidation_then_adl_pushes_exchange_orders_and_lists_them() -> None:
    async def go() -> dict[str, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            await open_long_with_stops(s, sim)
            ws = await user_socket(s, sim)
            await sim.fault({"action": "force_close", "symbol": "BTCUSDT", "kind": "liquidation", "price": "95000.0"})
            liquidation = await receive_all(ws, 0.3)
            flat = (await rest(s, sim, "GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"}))[1]
            order = {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.010"}
            await rest(s, sim, "POST", "/fapi/v1/order", order)  # a short this time
            await receive_all(ws, 0.3)
            await sim.fault({"action": "force_close", "symbol": "BTCUSDT", "kind": "adl"})
            adl = await receive_all(ws, 0.3)
            listed = (await rest(s, sim, "GET", "/fapi/v1/forceOrders", {"symbol": "BTCUSDT"}))[1]
            only_adl = (await rest(s, sim, "GET", "/fapi/v1/forceOrders", {"autoCloseType": "ADL"}))[1]
            return {"liquidation": liquidation, "flat": flat, "adl": adl, "listed": listed, "only_adl": only_adl}

    out = run(go)
    liq = out["liquidation"]
    assert steps(liq) == [
        ("ORDER_TRADE_UPDATE", "NEW"), ("ORDER_TRADE_UPDATE", "FILLED"), ("ACCOUNT_UPDATE", "ORDER"),
        ("ALGO_UPDATE", "EXPIRED"), ("ALGO_UPDATE", "EXPIRED"),
    ]
    fill = liq[1]["o"]
    assert fill["c"].startswith("autoclose-") and (fill["x"], fill["o"]) == ("CALCULATED", "LIQUIDATION")
    assert liq[2]["a"]["P"][0]["pa"] == "0" and out["flat"] == []
    assert [f["e"] for f in out["adl"]][:2] == ["ORDER_TRADE_UPDATE", "TRADE_LITE"]
    assert out["adl"][2]["o"]["c"] == "adl_autoclose" and out["adl"][2]["o"]["x"] == "TRADE"
    assert [r["clientOrderId"][:9] for r in out["listed"]] == ["autoclose", "adl_autoc"]
    assert [r["clientOrderId"] for r in out["only_adl"]] == ["adl_autoclose"]
    assert out["listed"][0]["status"] == "FILLED" and out["listed"][0]["avgPrice"] == "95000.00000"


def test_force_close_fault_when_no_position_is_refused_by_admin_endpoint() -> None:
    async def go() -> tuple[int, Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            fault = {"action": "force_close", "symbol": "BTCUSDT", "kind": "liquidation"}
            async with s.post(sim.base_url + "/_sim/fault", json=fault) as r:
                return r.status, await r.json()

    status, body = run(go)
    assert status == 400 and body["ok"] is False and "no BTCUSDT position" in body["error"]
