"""The e2e benchmark's scenario and its reading of the streams (never its timings)."""

from __future__ import annotations

from typing import Any

from bench.e2e_report import samples, to_wall_ns
from bench.e2e_scenario import BURST_AT_S, CYCLE_MINUTES, bench_scenario


def test_bench_scenario_when_built_has_a_flush_and_an_exhaustion_candle_per_cycle() -> None:
    doc = bench_scenario(cycles=4, lead=3, history=25)

    bars = doc["klines"]["BTCUSDT"]
    assert len(bars) == 25 + 3 + 4 * CYCLE_MINUTES + 1 + 5
    assert [liq["at_s"] for liq in doc["liquidations"]] == [(28 + 2 * k) * 60 + BURST_AT_S for k in range(4)]
    for o, h, lo, c, _v in bars:
        assert float(lo) <= min(float(o), float(c)) <= max(float(o), float(c)) <= float(h)
    flush, exhaustion = bars[28], bars[29]
    assert float(exhaustion[2]) > float(flush[2])  # no new low: the setup confirms at its close


def _env(id_: str, type_: str, ts: int, cause: str | None, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "ts": ts, "causation_id": cause, "payload": extra.pop("payload", {}), **extra}


def entry_chain(*more: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """md frame → SetupConfirmed → EntryApproved → the entry's OrderSubmitted (client id c1), by id."""
    return {e["id"]: e for e in [
        _env("md1", "KlineClosed", 1_000, None, recv_ts=1_010),
        _env("sc1", "SetupConfirmed", 1_040, "md1"),
        _env("ea1", "EntryApproved", 1_070, "sc1"),
        _env("os1", "OrderSubmitted", 1_100, "ea1", payload={"purpose": "ENTRY", "client_order_id": "c1"}),
        *more,
    ]}


def test_samples_when_chain_complete_follow_causation_back_to_the_md_frame() -> None:
    events = entry_chain(
        _env("os2", "OrderSubmitted", 1_200, "ea1", payload={"purpose": "STOP_LOSS", "client_order_id": "c2"}))

    [sample] = samples(events, {"c1": 1_130, "c2": 1_230})

    assert sample.total_ms() == 120
    assert sample.stages_ms() == {"ingest_to_strategy": 30, "strategy_to_governor": 30,
                                  "governor_to_executor": 30, "executor_to_exchange": 30}
    assert to_wall_ns(sample.total_ms(), speed=30) == 4_000_000


def test_samples_when_the_exchange_never_saw_the_order_skip_it() -> None:
    assert samples(entry_chain(), {}) == []
