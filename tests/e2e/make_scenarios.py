"""Writes simulator/scenarios/e2e_*.json (run `python -m tests.e2e.make_scenarios` after editing).

Every scenario: 20 quiet BTC minutes (REST history for the 20-candle volume lookback), a SELL
liquidation burst from second SPIKE_S (>2.5M USD within ~16 s) inside a high-volume candle (minute 20),
one candle without a new low (minute 21: tests run with exhaustion_candles=1, so the LONG is confirmed
and entered at 1320 s), then a path that decides the exit. Tests start the simulator with
`--live-at LIVE_AT` (see Harness.min_phase: the simulator floors the start to the minute), 15-47 s before
the burst, so the workers are connected when it starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
SPIKE_S = 1215
LIVE_AT = 1165.0  # the harness starts at scenario second ~1168-1200: the workers get >= 15 s to connect
ENTRY_S = 1320  # close of the exhaustion candle
QUIET = [("108000.00", "108020.00", "107957.00", "107975.00"), ("107975.00", "108020.00", "107957.00", "108000.00")]


def quiet_bars(n: int) -> list[list[str]]:
    return [[*QUIET[i % 2], f"{110 + (i * 7) % 40}.000"] for i in range(n)]


SPIKE = ["108000.00", "108010.00", "107450.00", "107500.00", "600.000"]
EXHAUSTION = ["107500.00", "107600.00", "107470.00", "107560.00", "200.000"]
FLAT = ["107560.00", "107580.00", "107545.00", "107560.00", "130.000"]
TP_BAR = ["107560.00", "108100.00", "107540.00", "108050.00", "300.000"]  # +0.35% reached ~40 s in
SL_BAR = ["107560.00", "107600.00", "107000.00", "107050.00", "300.000"]  # -0.45% reached ~40 s in
AFTER_TP = ["108050.00", "108070.00", "108030.00", "108050.00", "130.000"]
AFTER_SL = ["107050.00", "107070.00", "107030.00", "107050.00", "130.000"]
BURST = {"at_s": SPIKE_S, "symbol": "BTCUSDT", "side": "SELL",
         "burst": {"duration_s": 24, "every_ms": 500, "qty": "1.500", "price_from": "107950.0",
                   "price_to": "107500.0"}}


def doc(description: str, after: list[list[str]], **extra: Any) -> dict[str, Any]:
    return {"description": description, "start": "2025-10-22T12:00:00", "spread_bps": 0.2,
            "klines": {"BTCUSDT": [*quiet_bars(20), SPIKE, EXHAUSTION, *after]},
            "liquidations": [BURST], **extra}


def losing_flushes(cycles: int, description: str) -> dict[str, Any]:
    """A flush every 3 minutes from minute 20 (spike, exhaustion with the entry at its close, then -0.45%:
    each long is stopped out ~40 s after its entry), then quiet. Entries at seconds 1320 + 180 k."""
    bars, liqs = quiet_bars(20), []
    for k in range(cycles):
        bars += [[*SPIKE[:4], "1500.000"], EXHAUSTION, SL_BAR]
        liqs.append({**BURST, "at_s": SPIKE_S + 180 * k})
    bars += [AFTER_SL] * 3
    return {"description": description, "start": "2025-10-22T12:00:00", "spread_bps": 0.2,
            "klines": {"BTCUSDT": bars}, "liquidations": liqs}


def with_faults(description: str, faults: list[dict[str, Any]]) -> dict[str, Any]:
    """The TP scenario with simulator faults at scenario seconds (`at_s`)."""
    return doc(description, [TP_BAR, AFTER_TP, AFTER_TP], faults=faults)


def all_scenarios() -> dict[str, dict[str, Any]]:
    return {
        "e2e_tp": doc("e2e: BTC long flush, one exhaustion candle, +0.35% within ~40 s of entry (TP)",
                      [TP_BAR, AFTER_TP, AFTER_TP]),
        "e2e_sl": doc("e2e: BTC long flush, one exhaustion candle, then -0.45% (SL)", [SL_BAR, AFTER_SL, AFTER_SL]),
        "e2e_flat": doc("e2e: BTC long flush, one exhaustion candle, then flat for 4 minutes (time stop; flatten)",
                        [FLAT] * 5),
        "e2e_spread": doc("e2e: BTC long flush, but the book widens to 5 bp before confirmation (spread)",
                          [TP_BAR, AFTER_TP], book=[{"at_s": 0, "symbol": "BTCUSDT", "spread_bps": 0.2},
                                                    {"at_s": 1290, "symbol": "BTCUSDT", "spread_bps": 5.0}]),
        "e2e_stale": doc("e2e: BTC long flush, then market and public routes silent for 60 s (feed stale)",
                         [TP_BAR, AFTER_TP, AFTER_TP],
                         faults=[{"at_s": 1280, "action": "silence", "route": "market", "seconds": 60},
                                 {"at_s": 1280, "action": "silence", "route": "public", "seconds": 60}]),
        "e2e_daily_loss": losing_flushes(3, "e2e: three BTC long flushes 3 minutes apart, each stopped out "
                                            "(daily loss limit: the third setup is vetoed)"),
        "e2e_streak": losing_flushes(4, "e2e: four BTC long flushes 3 minutes apart, each stopped out "
                                        "(three losses in a row: the fourth setup is vetoed)"),
        "e2e_fault_ws_drop": with_faults("e2e: TP trade; the market route dropped mid-burst, the public route "
                                         "before the entry, the private route with the position open", [
            {"at_s": 1228, "action": "drop_connections", "route": "market"},
            {"at_s": 1300, "action": "drop_connections", "route": "public"},
            {"at_s": 1335, "action": "drop_connections", "route": "private"}]),
        "e2e_fault_unknown": with_faults("e2e: TP trade; the entry order answered 503 unknown, not placed", [
            {"at_s": 1300, "action": "rest_error", "kind": "unknown", "count": 1, "path": "/fapi/v1/order"}]),
        "e2e_fault_unknown_placed": with_faults("e2e: TP trade; the entry order placed, then answered 503 unknown", [
            {"at_s": 1300, "action": "rest_error", "kind": "unknown_placed", "count": 1, "path": "/fapi/v1/order"}]),
        "e2e_fault_throttled": with_faults("e2e: TP trade; the entry order throttled twice (-1008)", [
            {"at_s": 1300, "action": "rest_error", "kind": "throttled", "count": 2}]),
        # a real account (tests/e2e/test_real_account.py)
        "e2e_refused": doc("e2e: BTC long flush, then -0.45%; the stop is refused at trigger time (ALGO_UPDATE "
                           "REJECTED, 'Reduce Only reject')", [SL_BAR, AFTER_SL, AFTER_SL], faults=[
            {"at_s": 1300, "action": "refuse_trigger", "outcome": "REJECTED", "reason": "Reduce Only reject",
             "count": 1, "type": "STOP_MARKET"}]),
        "e2e_liquidation": doc("e2e: BTC long flush, flat after; the exchange liquidates the long 30 s after the "
                               "entry", [FLAT] * 5, faults=[
            {"at_s": ENTRY_S + 30, "action": "force_close", "symbol": "BTCUSDT", "kind": "liquidation"}]),
        "e2e_bnb_funding": doc("e2e: the TP trade on an account that pays commissions in BNB (600 USDT), with a "
                               "funding payment 15 s after the entry", [TP_BAR, AFTER_TP, AFTER_TP],
                               account={"fee_asset": "BNB", "bnb_price": "600", "bnb_balance": "1"},
                               funding={"rate": "0.0005", "at_s": [ENTRY_S + 15], "every_8h": False}),
        "e2e_hedge": doc("e2e: the TP trade on an account in hedge mode (dualSidePosition)", [TP_BAR, AFTER_TP],
                         account={"dual_side": True}),
        "e2e_read_only": doc("e2e: the TP trade with an API key that may not trade", [TP_BAR, AFTER_TP],
                             account={"read_only_keys": ["liqfade-sim-key"]}),
        "e2e_fault_ban": with_faults("e2e: TP trade; REST rate-limited (429) with the position open, then banned "
                                     "(418) for 20 s", [
            {"at_s": 1335, "action": "rate_limit", "seconds": 60, "ban_after": 3, "ban_seconds": 20}]),
    }


def main() -> None:
    for name, body in all_scenarios().items():
        (SCENARIOS / f"{name}.json").write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
