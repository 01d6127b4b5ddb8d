"""Whole-system scenarios: every worker a separate process, the simulator playing a scripted scenario in
wall-clock time (simulator/scenarios/e2e_*.json, made by tests/e2e/make_scenarios.py).

Test config (stored as the active config in Redis before the workers start, which is what
POST /api/config/publish stores): config/default.json, BTCUSDT only, exhaustion_candles=1,
time_stop_seconds=120. The scenarios' burst starts 15-47 s after start (see make_scenarios.py); the LONG is
confirmed and entered at the exhaustion candle's close, 120-152 s after start. The TP scenarios end by
replaying the recorded session from the `events` table (`liqfade replay --from-db`), which must give the
cores' outputs again byte for byte.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.e2e.conftest import HarnessFactory
from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.harness import BIN, ROOT, Harness, e2e_config
from tests.e2e.invariants import check_all
from tests.e2e.make_scenarios import LIVE_AT

CONFIG = e2e_config(signal={"exhaustion_candles": 1}, execution={"time_stop_seconds": 120})
ENTRY_WAIT = 240  # s from start: the entry is due 120-152 s after start
EXIT_WAIT = 200  # s after the entry: TP/SL are due within ~60 s, the time stop at 120 s


def one_trade(h: Harness, reason: str) -> dict[str, Any]:
    h.wait_event("executions", "PositionOpened", ENTRY_WAIT)
    [trade] = h.wait_trades(1, EXIT_WAIT)
    assert trade["reason"] == reason, trade
    assert trade["setup_id"].startswith("BTCUSDT-LONG-")
    assert trade["side"] == "LONG"
    return trade


def assert_invariants(h: Harness, recorder: ExchangeRecorder | None = None) -> None:
    problems = check_all(h, recorder)
    assert not problems, "\n".join(problems)


def assert_replay_reproduces(h: Harness, workdir: Path, min_executions: int) -> None:
    """`liqfade replay --from-db` over the whole recorded session (the `events` table, from its first event)
    re-runs strategy, governor and executor at the recorded decision times and must give every output of
    theirs again, byte for byte (ids and ts included): the signals, intents, orders and trade."""
    h.wait_projected()
    [row] = h.sql("SELECT min(ts_ms) AS first, max(ts_ms) FILTER (WHERE type = 'PositionClosed') AS closed"
                  " FROM events")
    until = row["closed"]  # the window ends with the trade; what any core decided by then was committed
    time.sleep(max(0.0, (until + 2_000) / 1000 - time.time()))  # within 2 s (waiting for a moment, not a state)
    h.wait_projected()
    config = workdir / "config.json"
    config.write_bytes(orjson.dumps(h.config.model_dump(mode="json")))  # what the harness stored as active
    out = workdir / "replay"
    done = subprocess.run(
        [str(BIN / "liqfade"), "replay", "--from-db", "--since", str(row["first"]), "--until", str(until),
         "--warmup-minutes", "0", "--config", str(config), "--out", str(out)],
        cwd=ROOT, env=h.env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    diff = orjson.loads((out / "diff.json").read_bytes())
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert diff["identical"] and summary["substituted_inputs"] == 0, done.stdout
    compared = {lane: counts["recorded"] for lane, counts in diff["lanes"].items()}
    assert compared["strategy -> signals"] >= 2, done.stdout  # SetupDetected, SetupConfirmed
    assert compared["governor -> intents"] >= 1, done.stdout  # EntryApproved
    assert compared["governor -> state"] >= 10, done.stdout  # state changes and heartbeats
    assert compared["executor -> executions"] >= min_executions, done.stdout
    for type_ in ("SetupConfirmed", "EntryApproved", "OrderSubmitted", "PositionOpened", "PositionClosed"):
        assert diff["by_type"][type_]["recorded"] == diff["by_type"][type_]["replayed"] >= 1, type_


@pytest.mark.timeout(420)
def test_scenario_when_flush_exhausts_and_rebounds_a_paper_long_takes_profit(
        harness: HarnessFactory, tmp_path: Path) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT)
    trade = one_trade(h, "TP")
    assert float(trade["pnl_usdt"]) > 0
    assert h.bot_state()["open_positions"] == []
    assert_invariants(h)
    assert_replay_reproduces(h, tmp_path, min_executions=12)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_scenario_when_live_against_simulator_the_exchange_agrees_with_the_trades(
        harness: HarnessFactory, tmp_path: Path) -> None:
    h = harness("e2e_tp", CONFIG, LIVE_AT, mode="live")
    recorder = ExchangeRecorder(h.sim_url)
    recorder.start()
    try:
        one_trade(h, "TP")
        h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position in /api/state")
    finally:
        recorder.stop()
    assert recorder.fills(), "the exchange saw no fill"
    assert_invariants(h, recorder)
    assert_replay_reproduces(h, tmp_path, min_executions=6)  # the venue's answers are recorded inputs


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_scenario_when_price_keeps_falling_the_long_is_stopped_out(harness: HarnessFactory) -> None:
    h = harness("e2e_sl", CONFIG, LIVE_AT)
    trade = one_trade(h, "SL")
    assert float(trade["pnl_usdt"]) < 0
    assert_invariants(h)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_scenario_when_price_goes_nowhere_the_time_stop_closes_the_long(harness: HarnessFactory) -> None:
    h = harness("e2e_flat", CONFIG, LIVE_AT)
    trade = one_trade(h, "TIME_STOP")
    assert 115 <= float(trade["duration_s"]) <= 140, trade
    assert_invariants(h)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_scenario_when_flatten_is_requested_with_a_position_open_it_closes_and_pauses(
        harness: HarnessFactory) -> None:
    h = harness("e2e_flat", CONFIG, LIVE_AT)
    h.wait_event("executions", "PositionOpened", ENTRY_WAIT)
    h.wait_for(lambda: h.bot_state()["open_positions"], 30, "the position in /api/state")
    result = h.api_post("/api/control/flatten", {"reason": "e2e"})
    assert result["status"] in ("submitted", "accepted"), result
    [trade] = h.wait_trades(1, 60)
    assert trade["reason"] == "FLATTEN", trade
    h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position in /api/state")
    assert_invariants(h)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_scenario_when_the_book_is_wide_at_confirmation_the_setup_is_rejected_for_spread(
        harness: HarnessFactory) -> None:
    h = harness("e2e_spread", CONFIG, LIVE_AT)
    rejected = h.wait_event("signals", "SetupRejected", ENTRY_WAIT)
    assert rejected["payload"]["reason"] == "spread", rejected
    h.wait_for(lambda: any(s["stage"] and s["passed"] is False and s["reason"] == "spread" for s in h.setups()),
               30, "the rejected setup in /api/events")
    assert_invariants(h)
    assert not h.stream_events("intents", "EntryApproved")
    assert not h.stream_events("executions", "OrderSubmitted")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_scenario_when_the_feed_goes_silent_feed_stale_is_raised_and_nothing_is_entered(
        harness: HarnessFactory) -> None:
    h = harness("e2e_stale", CONFIG, LIVE_AT)
    h.wait_event("signals", "SetupDetected", 90)
    h.wait_event("feed", "FeedStale", ENTRY_WAIT)
    rejected = h.wait_event("signals", "SetupRejected", 60)
    assert rejected["payload"]["reason"] == "feed_stale", rejected
    h.wait_event("feed", "FeedRecovered", 120)
    assert_invariants(h)
    assert not h.stream_events("executions", "OrderSubmitted")
