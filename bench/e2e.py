"""`liqfade bench e2e`: trigger-to-order latency through the whole system, against the raw Redis floor.

Runs every worker as its own process in live mode against the simulator playing
simulator/scenarios/e2e_bench.json in wall-clock time (a BTC flush every 3 minutes; test config with
exhaustion_candles=1, cooldown 0), using the e2e harness (tests/e2e/harness.py: a source checkout with
redis-server and PostgreSQL on 127.0.0.1:5432).

Trigger: an entry is never caused by a liquidation frame directly (the setup waits for a closed
exhaustion candle), so the trigger is the market-data frame that confirmed the setup: the `recv_ts` of the
md envelope found by following causation ids OrderSubmitted → EntryApproved → SetupConfirmed → md.
Order: the entry order's NEW event on the simulator's user-data stream, stamped by the simulator's clock
when it accepted the order (wall clock under --live-at). Both stamps are epoch milliseconds, so each
sample has 1 ms resolution (reported in µs). The path covers three Redis hops (md → strategy,
signals → governor, intents → executor) plus the REST call. The floor is three raw XADD→XREADGROUP hops
(bench.bus.raw_hops) measured on the same Redis in the same run, summed in consecutive threes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
from loguru import logger

ROOT = Path(__file__).resolve().parent.parent


def latencies_ms(events: dict[str, dict[str, Any]], new_at: dict[str, int]) -> list[int]:
    """Per entry order accepted at the exchange: exchange time − recv_ts of the confirming md frame."""
    out = []
    for env in events.values():
        p = env["payload"]
        if env["type"] != "OrderSubmitted" or p["purpose"] != "ENTRY" or p["client_order_id"] not in new_at:
            continue
        cause = events.get(env["causation_id"] or "")
        while cause is not None and cause["type"] != "SetupConfirmed":
            cause = events.get(cause["causation_id"] or "")
        trigger = events.get(cause["causation_id"] or "") if cause is not None else None
        if trigger is not None and trigger.get("recv_ts"):
            out.append(new_at[p["client_order_id"]] - int(trigger["recv_ts"]))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench e2e")
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock minutes of scenario to play")
    parser.add_argument("--floor-n", type=int, default=3000, help="raw Redis hops for the floor")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.bus import raw_hops
    from bench.stats import summary_us
    from schemas.streams import ALL_STREAMS, HEARTBEATS
    from tests.e2e.exchange import ExchangeRecorder
    from tests.e2e.harness import Harness, e2e_config, xrange
    from tests.e2e.make_scenarios import LIVE_AT

    logger.remove()
    config = e2e_config(signal={"exhaustion_candles": 1, "symbol_cooldown_seconds": 0},
                         execution={"time_stop_seconds": 120},
                         risk={"max_trades_per_day": 50, "max_consecutive_losses": 10,
                               "daily_max_loss_pct": 0.05})
    scenario = ROOT / "simulator" / "scenarios" / "e2e_bench.json"
    with tempfile.TemporaryDirectory(prefix="liqfade-bench-e2e-") as tmp, \
            Harness(Path(tmp), scenario, LIVE_AT, config, mode="live") as h:
        recorder = ExchangeRecorder(h.sim_url)
        recorder.start()
        deadline = args.minutes * 60
        h.wait_for(lambda: h.elapsed() >= deadline, deadline + 5, "the bench's playing time", every=1.0)
        floor = raw_hops(h.redis_server.url, args.floor_n)
        recorder.stop()
        events: dict[str, dict[str, Any]] = {}
        for stream in ALL_STREAMS:
            for _id, raw in xrange(h.redis, stream):
                env = orjson.loads(raw)
                events[env["id"]] = env
        new_at = {o["c"]: int(o["T"]) for o in recorder.order_updates() if o["x"] == "NEW"}
        samples = latencies_ms(events, new_at)
        rss: dict[str, float] = {}
        for _id, raw in xrange(h.redis, HEARTBEATS):
            env = orjson.loads(raw)
            if env["type"] == "ProcessHeartbeat":
                rss[env["payload"]["process"]] = round(float(env["payload"]["rss_mb"]), 1)
    three = [sum(floor[i:i + 3]) for i in range(0, len(floor) - 2, 3)]
    result = {
        "trigger_to_order_us": {**summary_us([s * 1_000_000 for s in samples], with_max=True), "n": len(samples)},
        "redis_3hop_floor_us": summary_us(three),
        "rss_mb": dict(sorted(rss.items())),
    }
    print(orjson.dumps(result).decode())
    return 0 if samples else 1
