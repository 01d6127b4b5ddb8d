"""Playback of the recorded CSVs, recordings and scenarios."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from simulator.app import run_simulator
from simulator.config import DEFAULT_KLINES, DEFAULT_LIQUIDATIONS
from simulator.recording import encode_frame
from simulator.scenarios import SCENARIO_DIR, load_scenario
from simulator.sources import iso_to_ms
from tests.simulator.helpers import fast_config, receive_all, run


def test_csv_playback_at_max_speed_delivers_every_row_once_and_every_kline() -> None:
    async def go() -> list[Any]:
        async with run_simulator(fast_config()) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "market/stream?streams=!forceOrder@arr/btcusdt@kline_1m")
            await sim.play()
            await sim.wait_finished(30)
            return await receive_all(ws)

    frames = [f["data"] for f in run(go)]
    liqs = [
        (f["o"]["T"], f["o"]["s"], f["o"]["S"], Decimal(f["o"]["ap"]), Decimal(f["o"]["z"]))
        for f in frames
        if f["e"] == "forceOrder"
    ]
    with DEFAULT_LIQUIDATIONS.open() as fh:
        want = [
            (
                iso_to_ms(r["timestamp"]),
                r["symbol"],
                r["side"],
                Decimal(r["avg_price"]),
                Decimal(r["filled_qty"]),
            )
            for r in csv.DictReader(fh)
        ]
    assert len(want) == 207 and liqs == want
    closed = [f["k"] for f in frames if f["e"] == "kline" and f["k"]["x"]]
    with DEFAULT_KLINES.open() as fh:
        bars = [
            (int(r["open_time"]), r["open"], r["high"], r["low"], r["close"], r["volume"])
            for r in csv.DictReader(fh)
        ]
    assert [(k["t"], k["o"], k["h"], k["l"], k["c"], k["v"]) for k in closed] == bars
    for f in frames:  # intra-minute frames stay inside their bar
        k = f.get("k")
        if k and not k["x"]:
            assert Decimal(k["l"]) <= Decimal(k["c"]) <= Decimal(k["h"])


def test_scenario_burst_is_reduced_to_one_liquidation_per_second() -> None:
    sc = load_scenario(SCENARIO_DIR / "long_flush_tp.json")
    windows = [liq.trade_time // 1000 for liq in sc.liquidations]
    assert len(windows) == len(set(windows)) == 50
    assert sum(Decimal(x.price) * Decimal(x.qty) for x in sc.liquidations) > 2_500_000
    for name in ("short_squeeze_sl", "quiet", "silent_feed"):
        assert load_scenario(SCENARIO_DIR / f"{name}.json").bars


def test_recording_is_replayed_verbatim(tmp_path: Path) -> None:
    data = {
        "e": "bookTicker",
        "u": 1,
        "E": 1761160000000,
        "T": 1761160000000,
        "s": "BTCUSDT",
        "b": "1.0",
        "B": "2",
        "a": "1.1",
        "A": "3",
    }
    rec = tmp_path / "rec.jsonl"
    rec.write_bytes(b"# comment\n" + encode_frame(1761160000001, "public", "btcusdt@bookTicker", data))

    async def go() -> list[Any]:
        async with run_simulator(fast_config(recordings=(rec,))) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "public/ws/btcusdt@bookTicker")
            await sim.play()
            await sim.wait_finished(10)
            return await receive_all(ws)

    assert run(go) == [data]


def test_scenario_with_two_symbols_interleaves_their_klines_in_time_order() -> None:
    async def go() -> list[Any]:
        config = fast_config(scenario=SCENARIO_DIR / "demo.json")
        async with run_simulator(config) as sim, aiohttp.ClientSession() as s:
            ws = await s.ws_connect(sim.ws_url + "market/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m")
            await sim.play()
            await sim.wait_finished(30)
            return await receive_all(ws)

    frames = [f["data"] for f in run(go) if f["data"]["e"] == "kline"]
    times = [f["E"] for f in frames]
    assert times == sorted(times)  # each symbol's minute is not played after the other's
    closed = {(f["s"], f["k"]["t"]) for f in frames if f["k"]["x"]}
    assert len({t for s, t in closed if s == "BTCUSDT"}) == len({t for s, t in closed if s == "ETHUSDT"}) == 36
