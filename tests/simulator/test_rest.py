"""REST: signatures, the recvWindow rule, Binance-shaped errors, listen keys, weight headers."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from simulator.app import run_simulator
from simulator.auth import sign, total_params
from simulator.config import DOCS_API_KEY, DOCS_API_SECRET
from tests.simulator.helpers import HEADERS, fast_config, run, signed_query

VECTOR = (
    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000"
    "&timestamp=1591702613943"
)
VECTOR_SIG = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"


def test_signature_matches_docs_test_vector() -> None:
    assert sign(DOCS_API_SECRET, VECTOR) == VECTOR_SIG
    assert total_params(VECTOR + "&signature=" + VECTOR_SIG, "") == (VECTOR, VECTOR_SIG)
    assert total_params("symbol=BTCUSDT&side=BUY", "&type=LIMIT&signature=ab") == (
        "symbol=BTCUSDT&side=BUY&type=LIMIT",
        "ab",
    )


async def _call(s: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any, Any]:
    async with s.request(method, url, **kw) as r:
        return r.status, await r.json(content_type=None), r.headers


def test_docs_vector_request_when_replayed_late_gets_1021_and_fresh_one_passes_signature() -> None:
    async def go() -> list[Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            url = sim.base_url + "/fapi/v1/order?" + VECTOR + "&signature=" + VECTOR_SIG
            late = await _call(s, "POST", url, headers={"X-MBX-APIKEY": DOCS_API_KEY})
            q = signed_query({"symbol": "BTCUSDT"}, ts=int(time.time() * 1000))
            ok = await _call(s, "GET", sim.base_url + "/fapi/v1/commissionRate?" + q, headers=HEADERS)
            tampered = q[:-1] + ("1" if q.endswith("0") else "0")  # a signature that surely differs
            bad = await _call(s, "GET", sim.base_url + "/fapi/v1/commissionRate?" + tampered, headers=HEADERS)
            ahead = signed_query({"symbol": "BTCUSDT"}, ts=int(time.time() * 1000) + 5000)
            future = await _call(s, "GET", sim.base_url + "/fapi/v1/commissionRate?" + ahead, headers=HEADERS)
            nokey = await _call(s, "GET", sim.base_url + "/fapi/v1/commissionRate?" + q)
            return [late, ok, bad, future, nokey]

    late, ok, bad, future, nokey = run(go)
    assert late[:2] == (
        400,
        {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
    )
    assert ok[0] == 200 and ok[1]["symbol"] == "BTCUSDT"
    assert bad[:2] == (400, {"code": -1022, "msg": "Signature for this request is not valid."})
    assert future[1]["code"] == -1021 and "ahead" in future[1]["msg"]
    assert nokey[:2] == (401, {"code": -2014, "msg": "API-key format invalid."})


def test_malformed_requests_get_binance_error_bodies_never_html() -> None:
    async def go() -> list[Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            b = sim.base_url
            return [
                await _call(s, "GET", b + "/fapi/v1/klines?interval=1m"),
                await _call(s, "GET", b + "/fapi/v1/klines?symbol=NOPE&interval=1m"),
                await _call(s, "GET", b + "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=abc"),
                await _call(s, "GET", b + "/fapi/v1/klines?symbol=BTCUSDT&interval=7m"),
                await _call(s, "GET", b + "/fapi/v9/nothing"),
                await _call(s, "PATCH", b + "/fapi/v1/time"),
                await _call(s, "GET", b + "/fapi/v1/order?symbol=BTCUSDT", headers=HEADERS),
            ]

    res = run(go)
    codes = [r[1]["code"] for r in res]
    assert codes == [-1102, -1121, -1100, -1120, -5000, -5000, -1102]
    assert all(set(r[1]) == {"code", "msg"} for r in res)
    assert all(r[2]["Content-Type"].startswith("application/json") for r in res)


def test_klines_rest_serves_history_up_to_virtual_now_and_weight_header() -> None:
    async def go() -> list[Any]:
        cfg = fast_config(start_ms=1761160000000)  # 2025-10-22T19:06:40Z
        async with run_simulator(cfg) as sim, aiohttp.ClientSession() as s:
            return [
                await _call(s, "GET", sim.base_url + "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=21"),
                await _call(s, "GET", sim.base_url + "/fapi/v1/time"),
            ]

    (status, rows, headers), (_, t, _) = run(go)
    assert status == 200 and len(rows) == 21
    assert rows[-1][6] < t["serverTime"] and len(rows[0]) == 12 and isinstance(rows[0][1], str)
    assert int(headers["X-MBX-USED-WEIGHT-1M"]) >= 1


def test_listen_key_lifecycle_and_expiry_on_virtual_clock() -> None:
    async def go() -> list[Any]:
        cfg = fast_config(speed=3600.0, autoplay=True, listen_key_ttl_ms=60_000)
        async with run_simulator(cfg) as sim, aiohttp.ClientSession() as s:
            b = sim.base_url + "/fapi/v1/listenKey"
            created = await _call(s, "POST", b, headers=HEADERS)
            again = await _call(s, "POST", b, headers=HEADERS)
            kept = await _call(s, "PUT", b, headers=HEADERS)
            ws = await s.ws_connect(sim.ws_url + "private/ws?listenKey=" + created[1]["listenKey"])
            expired = await ws.receive_json(timeout=5)  # 60 virtual s at 3600x
            gone = await _call(s, "PUT", b, headers=HEADERS)
            unsigned = await _call(s, "POST", b)
            return [created, again, kept, expired, gone, unsigned]

    created, again, kept, expired, gone, unsigned = run(go)
    key = created[1]["listenKey"]
    assert len(key) == 64 and again[1]["listenKey"] == key and kept[1] == {"listenKey": key}
    assert expired["e"] == "listenKeyExpired" and expired["listenKey"] == key
    assert gone[1] == {"code": -1125, "msg": "This listenKey does not exist."}
    assert unsigned[1]["code"] == -2014
