"""`liqfade bench e2e`: trigger-to-order latency through the whole system, against the raw Redis floor.

Every worker runs as its own process in live mode (the executor really sends orders) against the
simulator, through the e2e harness (tests/e2e/harness.py: a source checkout with redis-server and
PostgreSQL on 127.0.0.1:5432). The whole system shares one scaled clock (runtime/clock.py:
LIQFADE_CLOCK_SPEED/ORIGIN_MS/WALL_MS for the workers, the same anchor by flags for the simulator), so a
virtual day runs `--speed` times faster: the scenario (bench/e2e_scenario.py) has a BTC flush every 2
virtual minutes and each one is traded. The governor's max_trades_per_day (≤ 50 in the schema) is met by
the operator's own command: POST /api/control/reset-daily every `--reset-every` entries.

Trigger: an entry is never caused by a liquidation frame directly (the setup waits for a closed
exhaustion candle), so the trigger is the market-data frame that confirmed the setup: the `recv_ts` of
the md envelope found by following causation ids OrderSubmitted → EntryApproved → SetupConfirmed → md.
Order: the entry order's creation time in the simulator (its own record, GET /fapi/v1/order), stamped by
its copy of the shared clock when the order arrived. Latency = (order − trigger) / speed: wall time, with
a resolution of 1000 / speed µs (50 µs at the default 20×). The path is three Redis hops (md → strategy,
signals → governor, intents → executor) plus the signed REST call; bench/e2e_report.py splits it into
stages. The floor, on the same Redis in the same run, with the workers still running: three raw
XADD→XREADGROUP hops through a chain of three idle processes, one message every 50 ms (bench.bus.chain_hops)
— what a trigger meets, since the workers are idle when it comes. On a VM waking an idle process costs
~600 µs against ~210 µs a hop in a busy ping-pong, so the back-to-back floor (bench.bus.raw_hops, summed
in threes) is printed too, as `redis_3hop_floor_busy_us`. RSS: each worker's last heartbeat.

The last line is one JSON object:
{"trigger_to_order_us": {p50, p99, max, n}, "redis_3hop_floor_us": {p50, p99},
 "redis_3hop_floor_busy_us": {p50, p99}, "rss_mb": {worker: MB}}
Speed: the executor must confirm a protective stop within 1 s of clock time of a fill (else it closes the
position and the governor goes to ERROR, which ends the run's trading), i.e. within 1000 / speed wall ms:
fill → user-data event → core → SL request → venue answer → core. That took 30–40 ms wall at the worst
moments on a loaded 2-core box, so 30× (33 ms) failed there and 15× (67 ms) did not; 20× (50 ms) is the
default for a quiet machine. 200 triggers take 2 virtual minutes each: ~20 min of wall time at 20×.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from loguru import logger

from schemas.config import BotConfig

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="liqfade bench e2e")
    p.add_argument("--triggers", type=int, default=200, help="entries to measure")
    p.add_argument("--speed", type=float, default=20.0, help="clock speed of the whole system")
    p.add_argument("--kline-step-ms", type=int, default=2000, help="virtual ms between the simulator's kline/book "
                   "updates (Binance: 250; fewer keeps the load per wall second realistic at speed)")
    p.add_argument("--warmup-s", type=float, default=45.0, help="wall seconds of quiet market for the workers "
                   "to start before the first flush")
    p.add_argument("--reset-every", type=int, default=20, help="reset the daily counters every this many entries")
    p.add_argument("--floor-n", type=int, default=300, help="messages through the idle 3-process chain for the "
                   "floor (50 ms apart; ten times as many back-to-back hops for the busy floor)")
    p.add_argument("--stages", action="store_true", help="also print the per-stage breakdown (before the result)")
    p.add_argument("--keep-logs", type=Path, help="copy every process's log into this directory")
    p.add_argument("--dump", type=Path, help="write every stream entry to this JSONL file (for bench.e2e_profile)")
    p.add_argument("--resume-after-error", action="store_true", help="act as the operator after an ERROR (e.g. "
                   "a stop not confirmed within 1 s of clock time on a loaded machine): POST /api/control/resume; "
                   "each one is counted in the stages line")
    p.add_argument("--without", default="", help="comma-separated workers not to start, for diagnosis (e.g. "
                   "projector,api: without the API, no daily reset, so at most 50 triggers)")
    return p.parse_args(argv)


def bench_config() -> BotConfig:
    """config/default.json for BTCUSDT with what the scenario needs (bench/e2e_scenario.py)."""
    from tests.e2e.harness import e2e_config

    return e2e_config(signal={"exhaustion_candles": 1, "symbol_cooldown_seconds": 0, "volume_mult": 1.5},
                      execution={"time_stop_seconds": 120},
                      risk={"max_trades_per_day": 50, "max_consecutive_losses": 10, "daily_max_loss_pct": 0.05})


def main(argv: list[str]) -> int:
    args = parse(argv)
    sys.path.insert(0, str(ROOT))
    from bench.bus import chain_hops, raw_hops
    from bench.e2e_report import STAGES, redis_split, samples, to_wall_ns
    from bench.e2e_scenario import CYCLE_MINUTES, bench_scenario, live_at
    from bench.stats import summary_us
    from runtime.clock import scaled_env
    from schemas.streams import ALL_STREAMS, HEARTBEATS, INTENTS
    from tests.e2e.harness import WORKERS, Harness, xrange

    logger.remove()
    speed = args.speed
    config = bench_config()
    lead = math.ceil(args.warmup_s * speed / 60)
    cycles = math.ceil(args.triggers * 1.1) + 3
    wall_ms = int(time.time() * 1000)
    clock_env = scaled_env(speed, wall_ms, wall_ms)  # bot time = wall time at the anchor, then `speed`× faster
    sim_args = ("--speed", repr(speed), "--clock-origin-ms", str(wall_ms), "--clock-wall-ms", str(wall_ms),
                "--kline-step-ms", str(args.kline_step_ms))
    budget_s = args.warmup_s + cycles * CYCLE_MINUTES * 60 / speed + 60
    with tempfile.TemporaryDirectory(prefix="liqfade-bench-e2e-") as tmp:
        scenario = Path(tmp) / "bench_e2e.json"
        scenario.write_bytes(orjson.dumps(bench_scenario(cycles, lead)))
        workers = tuple(w for w in WORKERS if w not in args.without.split(","))
        with Harness(Path(tmp), scenario, live_at(), config, mode="live", min_phase=0.0, max_phase=60.0,
                     workers=workers, extra_env=clock_env, simulator_args=sim_args) as h:
            entries, resets, errors = 0, 0, 0
            deadline = time.monotonic() + budget_s
            while entries < args.triggers and time.monotonic() < deadline:
                time.sleep(1.0)
                entries = sum(1 for _id, raw in xrange(h.redis, INTENTS) if b'"type":"EntryApproved"' in raw)
                if args.resume_after_error and "api" in workers and h.bot_state().get("status") == "ERROR":
                    h.api_post("/api/control/resume")
                    errors += 1
                if entries >= (resets + 1) * args.reset_every and "api" in workers:
                    h.api_post("/api/control/reset-daily")  # max_trades_per_day: the operator's reset
                    resets += 1
                if h.sim_state()["playback"]["finished"]:
                    break
            time.sleep(1.0)  # the last approved entry on its way to the exchange
            floor = chain_hops(h.redis_server.url, args.floor_n)
            busy = raw_hops(h.redis_server.url, args.floor_n * 10)
            events: dict[str, dict[str, Any]] = {}
            dump = args.dump.open("wb") if args.dump else None
            for stream in ALL_STREAMS:
                for entry_id, raw in xrange(h.redis, stream):
                    env = orjson.loads(raw)
                    env["_stream_id"] = entry_id
                    events[env["id"]] = env
                    if dump is not None:
                        dump.write(orjson.dumps({"stream": stream, "id": entry_id, "raw": raw.decode()}) + b"\n")
            if dump is not None:
                dump.close()
            accepted = accepted_at(h.sim_url, [e["payload"]["client_order_id"] for e in events.values()
                                               if e["type"] == "OrderSubmitted" and e["payload"]["purpose"] == "ENTRY"])
            if args.keep_logs:
                shutil.copytree(h.logs, args.keep_logs, dirs_exist_ok=True)
            rss: dict[str, float] = {}
            for _id, raw in xrange(h.redis, HEARTBEATS):
                env = orjson.loads(raw)
                if env["type"] == "ProcessHeartbeat":
                    rss[env["payload"]["process"]] = round(float(env["payload"]["rss_mb"]), 1)
    found = samples(events, accepted)[: args.triggers]
    if args.stages:
        stages = {name: summary_us([to_wall_ns(s.stages_ms()[name], speed) for s in found]) for name in STAGES}
        stages |= redis_split(events, found, speed, wall_ms)
        print(orjson.dumps({"stages_us": stages, "speed": speed, "resolution_us": round(1000 / speed, 1),
                            "resets": resets, "resumed_after_error": errors, "outcomes": outcomes(events)}).decode())
    three = [sum(busy[i:i + 3]) for i in range(0, len(busy) - 2, 3)]
    result = {
        "trigger_to_order_us": {**summary_us([to_wall_ns(s.total_ms(), speed) for s in found], with_max=True),
                                "n": len(found)},
        "redis_3hop_floor_us": summary_us(floor),
        "redis_3hop_floor_busy_us": summary_us(three),
        "rss_mb": dict(sorted(rss.items())),
    }
    print(orjson.dumps(result).decode())
    return 0 if found else 1


def outcomes(events: dict[str, dict[str, Any]]) -> dict[str, int]:
    """How the setups went (for reading a run): counts by event type and reason."""
    counts: dict[str, int] = {}
    for env in events.values():
        if env["type"] in ("SetupConfirmed", "SetupRejected", "SignalVetoed", "EntryApproved", "PositionClosed",
                           "IncidentReported", "FeedStale", "BotStateChanged"):
            p = env["payload"]
            key = "/".join(str(x) for x in (env["type"], p.get("reason") or p.get("to_state") or p.get("kind") or "")
                           if x)
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def accepted_at(sim_url: str, client_ids: list[str]) -> dict[str, int]:
    """The simulator's creation time of each order (GET /fapi/v1/order, signed with the bot's key)."""
    from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET

    out: dict[str, int] = {}
    with httpx.Client(base_url=sim_url, headers={"X-MBX-APIKEY": DEFAULT_API_KEY}, timeout=10) as http:
        for cid in client_ids:
            query = urlencode({"symbol": "BTCUSDT", "origClientOrderId": cid, "timestamp": int(time.time() * 1000)})
            signature = hmac.new(DEFAULT_API_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
            response = http.get(f"/fapi/v1/order?{query}&signature={signature}")
            if response.status_code == 200:
                out[cid] = int(response.json()["time"])
    return out
