"""The scenario `liqfade bench e2e` plays: a BTC long flush every 2 minutes, each entered and taking profit.

Minute layout (bars are BTCUSDT 1m OHLCV; the simulator walks a falling bar high-then-low, a rising
bar low-then-high, extremes at 1/3 and 2/3 of the minute):
- `history` quiet minutes: REST history for the 20-candle volume lookback; the simulator starts playing
  at scenario second `history * 60` (`live_at`), floored to the minute;
- `lead` quiet minutes: time for every worker to start and connect (in virtual time: at speed S a
  worker start-up of t wall seconds is S·t virtual seconds);
- `cycles` × [FLUSH, EXHAUSTION]. FLUSH first rallies to 108100 (the previous trade's +0.35% take
  profit, reached ~14 s in), then falls to 107450 with a SELL liquidation burst from second 22 (over
  2.5M USD within ~8 s: the spike). EXHAUSTION sets no new low; its close confirms the LONG setup
  (exhaustion_candles=1) and the entry goes out at ~107560, which the next FLUSH takes to profit.
Spike candles hold most of the volume (5000 against 200), so with `volume_mult` 1.5 the spike candle
passes the volume check at its close even though every other candle of the lookback is a spike candle.
"""

from __future__ import annotations

from typing import Any

QUIET = [("108000.00", "108020.00", "107957.00", "107975.00"), ("107975.00", "108020.00", "107957.00", "108000.00")]
FLUSH = ["107560.00", "108100.00", "107450.00", "107500.00", "5000.000"]
EXHAUSTION = ["107500.00", "107600.00", "107470.00", "107560.00", "200.000"]
BURST_AT_S = 22  # second of the FLUSH minute the liquidations start
BURST = {"duration_s": 24, "every_ms": 500, "qty": "1.500", "price_from": "107950.0", "price_to": "107500.0"}
CYCLE_MINUTES = 2


def quiet_bars(n: int) -> list[list[str]]:
    return [[*QUIET[i % 2], f"{110 + (i * 7) % 40}.000"] for i in range(n)]


def bench_scenario(cycles: int, lead: int, history: int = 25) -> dict[str, Any]:
    """The scenario document (simulator/scenarios format)."""
    first = history + lead
    bars = quiet_bars(first)
    bars[-1] = ["107975.00", "108020.00", "107550.00", "107560.00", bars[-1][4]]  # the first FLUSH opens here
    liqs = []
    for k in range(cycles):
        minute = first + CYCLE_MINUTES * k
        bars += [FLUSH, EXHAUSTION]
        liqs.append({"at_s": minute * 60 + BURST_AT_S, "symbol": "BTCUSDT", "side": "SELL", "burst": BURST})
    bars += [[*FLUSH[:2], "107540.00", "108050.00", "300.000"], *quiet_bars(5)]  # the last take profit
    return {"description": f"bench e2e: {cycles} BTC long flushes, one every {CYCLE_MINUTES} minutes, each taking "
                           "profit", "start": "2025-10-22T12:00:00", "spread_bps": 0.2,
            "klines": {"BTCUSDT": bars}, "liquidations": liqs}


def live_at(history: int = 25) -> float:
    """The scenario second the simulator starts playing at (bars before it are REST history)."""
    return history * 60.0
