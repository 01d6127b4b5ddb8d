"""`liqfade bench strategy`: events/s and per-event latency through the pure strategy core.

The real 2025-10-22 data (liquidations, BTC 1m klines and a book ticker synthesised at each close) is
looped N times, each copy shifted by the klines' span so candles stay contiguous, and fed to
`decide` (and `on_timer` at deadlines) exactly as the replay driver would, without envelopes or I/O.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from replay.sources import market_csv
from schemas.config import BotConfig
from schemas.envelope import Envelope
from strategy.core import make_core

DATA = Path(__file__).resolve().parent.parent / "data" / "market"
LIQUIDATIONS = DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"
TARGET_EVENTS_PER_S = 200_000


def shifted(events: list[Envelope], offset: int) -> list[Envelope]:
    """A copy of the events `offset` ms later (payload times included)."""
    out = []
    for e in events:
        updates: dict[str, int] = {}
        p = e.payload
        for name in ("trade_time", "open_time", "close_time"):
            value = getattr(p, name, None)
            if isinstance(value, int):
                updates[name] = value + offset
        payload = p.model_copy(update=updates) if updates else p
        out.append(e.model_copy(update={"ts": e.ts + offset, "id": f"{e.id}+{offset}", "payload": payload}))
    return out


def looped_events(loops: int, spread_bps: Decimal) -> list[Envelope]:
    klines = market_csv.kline_events(KLINES, spread_bps=spread_bps)
    base = market_csv.in_exchange_order(market_csv.liquidation_events(LIQUIDATIONS), klines)
    first_open = min(getattr(e.payload, "open_time", e.ts) for e in klines)
    span = max(e.ts for e in klines) + 1 - first_open  # a whole number of minutes
    events: list[Envelope] = []
    for k in range(loops):
        events.extend(base if k == 0 else shifted(base, k * span))
    return events


def run_through(config: BotConfig, events: list[Envelope], timed: bool) -> tuple[float, list[int], int]:
    """(seconds, per-event ns when timed, emitted events)."""
    core = make_core(config)
    state = core.initial_state()
    decide, on_timer, deadline_of = core.decide, core.on_timer, core.next_deadline
    latencies: list[int] = []
    emitted = 0
    clock = time.perf_counter_ns
    gc.disable()
    try:
        started = time.perf_counter()
        for event in events:
            now = event.ts
            t0 = clock() if timed else 0
            deadline = deadline_of(state)
            if deadline is not None and deadline <= now:
                fired = on_timer(state, deadline)
                state = fired.state
                emitted += len(fired.emits)
            decision = decide(state, event, now)
            state = decision.state
            if timed:
                latencies.append(clock() - t0)
            emitted += len(decision.emits)
        seconds = time.perf_counter() - started
    finally:
        gc.enable()
    return seconds, latencies, emitted


def percentile(sorted_values: list[int], q: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench strategy", description=__doc__)
    parser.add_argument("--loops", type=int, default=200, help="copies of the day's data (default 200)")
    parser.add_argument("--config", default="", help="config JSON (default: the built-in defaults)")
    parser.add_argument("--low-thresholds", action="store_true",
                        help="BTC 100,000 / ETH 150,000 USD, so setups are detected and decided every loop")
    parser.add_argument("--spread-bps", type=Decimal, default=Decimal(1))
    args = parser.parse_args(argv)
    config = BotConfig.model_validate_json(Path(args.config).read_bytes()) if args.config else BotConfig()
    if args.low_thresholds:
        signal = config.signal.model_copy(update={"min_liq_usd": {"BTCUSDT": Decimal(100_000),
                                                                  "ETHUSDT": Decimal(150_000)}})
        config = config.model_copy(update={"signal": signal})
    events = looped_events(args.loops, args.spread_bps)
    run_through(config, events[: min(len(events), 20_000)], timed=False)  # warm-up
    runs = [run_through(config, events, timed=False) for _ in range(3)]
    seconds, _, emitted = min(runs, key=lambda r: r[0])
    _, latencies, _ = run_through(config, events, timed=True)
    latencies.sort()
    result: dict[str, Any] = {
        "bench": "strategy",
        "events": len(events),
        "loops": args.loops,
        "thresholds_usd": {k: str(v) for k, v in config.signal.min_liq_usd.items()},
        "emitted": emitted,
        "seconds": round(seconds, 4),
        "events_per_s": round(len(events) / seconds),
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "meets_target": len(events) / seconds >= TARGET_EVENTS_PER_S,
        "latency_ns": {"p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
                       "p999": percentile(latencies, 0.999), "max": latencies[-1]},
        "python": sys.version.split()[0],
    }
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
