"""The strategy over the real 2025-10-22 recordings (data/market), through `liqfade replay`."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as liqfade
from exchange.market_data import iso_to_ms
from replay.drivers import ReplayDriver
from replay.sources import market_csv
from runtime.config_store import DEFAULT_CONFIG_FILE
from schemas.config import BotConfig
from schemas.registry import encode
from strategy.core import make_core

DATA = Path(__file__).resolve().parents[2] / "data" / "market"
LIQS = DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"
LOW = {"BTCUSDT": 100_000, "ETHUSDT": 150_000}


def utc(hms: str) -> int:
    return int(datetime.fromisoformat(f"2025-10-22T{hms}").replace(tzinfo=UTC).timestamp() * 1000)


# SOURCES.md §1.6: the bursts of long liquidations inside the covered interval
FLUSHES = [(utc("19:45:03"), utc("19:46:19.999")), (utc("19:57:41"), utc("19:57:56.999")),
           (utc("20:16:00"), utc("20:17:59.999")), (utc("20:32:54"), utc("20:34:02.999")),
           (utc("20:51:58"), utc("20:52:03.999")), (utc("20:58:30"), utc("20:58:39.999")),
           (utc("21:01:07"), utc("21:01:11.999"))]


def low_config_file(tmp_path: Path) -> Path:
    raw = json.loads(DEFAULT_CONFIG_FILE.read_text())
    raw["signal"]["min_liq_usd"] = LOW
    path = tmp_path / "low.json"
    path.write_text(json.dumps(raw))
    return path


def replay(out: Path, config: Path | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    args = ["replay", "--liquidations", str(LIQS), "--klines", str(KLINES), "--cores", "strategy",
            "--out", str(out)]
    if config is not None:
        args += ["--config", str(config)]
    assert liqfade(args) == 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return events, json.loads((out / "summary.json").read_text())


def independent_crossings(thresholds: dict[str, int], window_ms: int = 60_000) -> list[tuple[str, Decimal]]:
    """Setup ids and sums by brute force: for each row in time order, sum the same symbol and side over
    (T - w, T] among the rows seen so far; a crossing needs the sum before this row below the threshold."""
    rows = []
    with LIQS.open() as fh:
        for r in csv.DictReader(fh):
            ts = iso_to_ms(r["timestamp"])
            rows.append((ts, r["symbol"], r["side"], Decimal(r["usd_value"])))
    rows.sort(key=lambda r: r[0])
    out = []
    armed: dict[tuple[str, str], bool] = {}
    for i, (ts, symbol, side, usd) in enumerate(rows):
        seen = [r for r in rows[:i] if r[1] == symbol and r[2] == side and r[0] > ts - window_ms]
        before = sum((r[3] for r in seen), Decimal(0))
        key = (symbol, side)
        if before < thresholds[symbol]:
            armed[key] = True
        if armed.get(key, True) and before + usd >= thresholds[symbol]:
            armed[key] = False
            out.append((f"{symbol}-{'LONG' if side == 'SELL' else 'SHORT'}-{ts}", before + usd))
    return out


def test_replay_when_default_thresholds_detects_nothing(tmp_path: Path) -> None:
    events, summary = replay(tmp_path / "default")
    assert events == [] and summary["by_type"] == {}
    assert independent_crossings({"BTCUSDT": 2_500_000, "ETHUSDT": 1_250_000}) == []
    assert summary["csv"]["liquidations"] == 207 and summary["csv"]["klines"] == 407
    assert any("no klines for ETHUSDT" in a for a in summary["assumptions"])


def test_replay_when_thresholds_lowered_detects_the_flushes_with_exact_sums(tmp_path: Path) -> None:
    events, summary = replay(tmp_path / "low", low_config_file(tmp_path))
    detected = [e for e in events if e["type"] == "SetupDetected"]
    expected = independent_crossings(LOW)
    assert [(d["payload"]["setup_id"], Decimal(d["payload"]["liq_usd"])) for d in detected] == expected
    assert len(detected) == 3
    for d in detected:
        trigger = d["payload"]["trigger_ts"]
        assert any(start <= trigger <= end for start, end in FLUSHES), d["payload"]["setup_id"]
        assert any(start <= d["payload"]["window_start_ts"] <= end for start, end in FLUSHES)
    ends = [e["payload"]["setup_id"] for e in events if e["type"] in ("SetupConfirmed", "SetupRejected")]
    assert sorted(ends) == sorted(d["payload"]["setup_id"] for d in detected)
    eth = [e for e in events if e["type"] == "SetupRejected" and e["payload"]["symbol"] == "ETHUSDT"]
    assert all(e["payload"]["reason"] == "volume" for e in eth)  # no ETH klines: never decided
    assert summary["by_type"]["SetupDetected"] == 3


def test_replay_when_run_twice_writes_byte_identical_events(tmp_path: Path) -> None:
    config = low_config_file(tmp_path)
    replay(tmp_path / "a", config)
    replay(tmp_path / "b", config)
    first = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert first and first == (tmp_path / "b" / "events.jsonl").read_bytes()


@pytest.mark.parametrize("spread_bps", [Decimal(1)])
def test_no_look_ahead_when_input_is_cut_at_each_output_the_output_is_reproduced(spread_bps: Decimal) -> None:
    config = BotConfig.model_validate({**json.loads(DEFAULT_CONFIG_FILE.read_text()),
                                       "signal": {**json.loads(DEFAULT_CONFIG_FILE.read_text())["signal"],
                                                  "min_liq_usd": LOW}})
    inputs = market_csv.in_exchange_order(market_csv.liquidation_events(LIQS),
                                          market_csv.kline_events(KLINES, spread_bps=spread_bps))
    full = list(ReplayDriver([make_core(config)]).run(inputs, until=inputs[-1].ts + 900_000))
    assert len(full) == 6
    for output in full:
        prefix = [e for e in inputs if e.ts <= output.ts]
        cut = list(ReplayDriver([make_core(config)]).run(prefix, until=output.ts))
        assert encode(output) in [encode(e) for e in cut], output.payload
