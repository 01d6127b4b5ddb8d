"""Writes simulator/scenarios/demo.json, the market `make demo` plays, and demo_one_trade.json (its first trade
only, for the dashboard tests): `python -m simulator.demo_scenario`.

36 minutes of BTCUSDT and ETHUSDT, looped by the simulator:
- minutes 0-19: quiet (the REST history behind the 20-candle volume lookback);
- minute 20: BTC long flush, six big SELL liquidations from second 1250 (> 2.5M USD within ~4 s) in a
  high-volume candle; minute 21 sets no new low, so with the demo config (exhaustion_candles=1) the LONG
  is confirmed and entered at its close (second 1320); minute 22 rebounds through the +0.35% target about
  34 s in (a TP);
- minute 25: ETH short squeeze (BUY liquidations from second 1550); minute 26 sets no new high, the SHORT
  enters at 1620; minute 27 keeps rising through the -0.45% stop (an SL);
- minute 31: another BTC flush, but the book widens to 5 bp before its confirmation at 1920 (rejected for
  spread); then quiet back to the opening prices, so the loop joins up.

`liqfade up --demo` starts the simulator with `--live-at 1182`: the simulator floors the scenario start to
the wall-clock minute, so the burst comes 8-50 s after start (or 68-70 s when started in the last 18 s of a
minute) and the first entry 78-140 s after start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
LIVE_AT = 1182
Bar = list[str]


def quiet(level: float, n: int, volume: float, width: float, offset: int = 0) -> list[Bar]:
    """n calm bars around `level`, alternating up and down by `width`, volume varying ±15%."""
    out = []
    digits = 2
    for i in range(n):
        up = (i + offset) % 2 == 0
        o, c = (level, level + width / 4) if up else (level + width / 4, level)
        out.append([f"{o:.{digits}f}", f"{level + width / 2:.{digits}f}", f"{level - width / 2:.{digits}f}",
                    f"{c:.{digits}f}", f"{volume * (1 + ((i * 7) % 30 - 15) / 100):.3f}"])
    return out


def btc_bars(full: bool) -> list[Bar]:
    first_trade = [
        *quiet(108000, 20, 120, 60),                                  # 0-19
        ["108000.00", "108010.00", "107450.00", "107500.00", "900.000"],  # 20: the flush
        ["107500.00", "107600.00", "107470.00", "107560.00", "220.000"],  # 21: no new low
        ["107560.00", "108100.00", "107540.00", "108050.00", "320.000"],  # 22: rebound through TP
    ]
    if not full:
        return [*first_trade, *quiet(108050, 13, 130, 60)]
    return [
        *first_trade,
        *quiet(108050, 8, 130, 60),                                   # 23-30
        ["108050.00", "108060.00", "107520.00", "107560.00", "950.000"],  # 31: second flush
        ["107560.00", "107640.00", "107530.00", "107600.00", "240.000"],  # 32: no new low (spread fails)
        ["107600.00", "107900.00", "107590.00", "107850.00", "260.000"],  # 33
        ["107850.00", "108000.00", "107840.00", "107950.00", "180.000"],  # 34
        ["107950.00", "108010.00", "107940.00", "108000.00", "140.000"],  # 35
    ]


def eth_bars(full: bool) -> list[Bar]:
    if not full:
        return quiet(3900, 36, 2400, 3)
    return [
        *quiet(3900, 25, 2400, 3),                                    # 0-24
        ["3900.00", "3935.00", "3898.00", "3930.00", "9800.000"],     # 25: short squeeze
        ["3930.00", "3934.00", "3921.00", "3925.00", "3100.000"],     # 26: no new high
        ["3925.00", "3958.00", "3923.00", "3950.00", "4200.000"],     # 27: through the stop
        *quiet(3950, 3, 2600, 3),                                     # 28-30
        ["3950.00", "3952.00", "3930.00", "3935.00", "2700.000"],     # 31
        ["3935.00", "3937.00", "3915.00", "3920.00", "2600.000"],     # 32
        ["3920.00", "3922.00", "3905.00", "3910.00", "2500.000"],     # 33
        ["3910.00", "3912.00", "3898.00", "3902.00", "2400.000"],     # 34
        ["3902.00", "3904.00", "3898.00", "3900.00", "2400.000"],     # 35
    ]


def burst(at_s: int, symbol: str, side: str, qty: str, price_from: str, price_to: str) -> dict[str, Any]:
    return {"at_s": at_s, "symbol": symbol, "side": side,
            "burst": {"duration_s": 8, "every_ms": 1000, "qty": qty, "price_from": price_from, "price_to": price_to}}


def scenario(full: bool = True) -> dict[str, Any]:
    """The demo; `full=False` keeps only the first BTC trade (the dashboard tests: nothing else trades while
    they pause, flatten and publish configs)."""
    first = burst(1250, "BTCUSDT", "SELL", "6.000", "107950.0", "107500.0")
    book = [{"at_s": 0, "symbol": "BTCUSDT", "spread_bps": 0.2}, {"at_s": 0, "symbol": "ETHUSDT", "spread_bps": 0.3}]
    if full:
        description = ("make demo: a BTC long flush that takes profit, an ETH short squeeze that stops out, "
                       "a BTC flush rejected for spread; 36 minutes, looped")
        liquidations = [first, burst(1550, "ETHUSDT", "BUY", "120.000", "3905.00", "3930.00"),
                        burst(1910, "BTCUSDT", "SELL", "6.000", "108000.0", "107560.0")]
        book += [{"at_s": 1965, "symbol": "BTCUSDT", "spread_bps": 5.0},
                 {"at_s": 1990, "symbol": "BTCUSDT", "spread_bps": 0.2}]
    else:
        description = "dashboard tests: the demo's first BTC long flush (a TP), then quiet; 36 minutes"
        liquidations = [first]
    return {"description": description, "start": "2025-10-22T12:00:00", "spread_bps": 0.2,
            "klines": {"BTCUSDT": btc_bars(full), "ETHUSDT": eth_bars(full)},
            "liquidations": liquidations, "book": book}


def main() -> None:
    for name, full in (("demo", True), ("demo_one_trade", False)):
        (SCENARIOS / f"{name}.json").write_bytes(orjson.dumps(scenario(full), option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
