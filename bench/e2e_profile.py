"""`python -m bench.e2e_profile DUMP`: the CPU each core spends per event on the trigger-to-order path.

Replays the inputs recorded by `liqfade bench e2e --dump DUMP` through fresh strategy, governor and
(live) executor cores in this process, in each consumer's arrival order, and times what the core consumer
does per message before its transaction goes out: decode the message, decide, wrap the outputs in envelopes,
encode them, snapshot the state. `hot` is the event each core handles on the trigger path (the md frame
that confirmed a setup, the SetupConfirmed, the EntryApproved); `all` is every input. No Redis, no
network: a deterministic, load-independent view of the Python work per hop (µs, one run; compare runs
on the same machine only).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench.stats import percentile
from runtime.consumer import arrival_key
from runtime.core import Core, envelopes
from schemas.registry import decode, encode

PARTS = ("decode", "decide", "envelopes", "encode", "snapshot")


def load(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def profile_core(core: Core[Any], rows: list[dict[str, Any]], hot: Callable[[dict[str, Any]], bool],
                 now_of: dict[str, int], repeat: int = 3) -> dict[str, dict[str, float]]:
    mine = sorted((r for r in rows if r["stream"] in core.inputs), key=lambda r: arrival_key(r["stream"], r["id"]))
    timings: dict[str, dict[str, list[int]]] = {"all": {p: [] for p in PARTS}, "hot": {p: [] for p in PARTS}}
    for _ in range(repeat):
        state = core.initial_state()
        for row in mine:
            raw = row["raw"].encode()
            t0 = time.perf_counter_ns()
            event = decode(raw)
            t1 = time.perf_counter_ns()
            now = now_of.get(event.id, event.recv_ts or event.ts)
            decision = core.decide(state, event, now)
            t2 = time.perf_counter_ns()
            outputs = envelopes(decision.emits, source=core.name, cause_id=event.id, now=now,
                                cause_correlation=event.correlation_id)
            t3 = time.perf_counter_ns()
            for output in outputs:
                encode(output)
            t4 = time.perf_counter_ns()
            state = decision.state
            core.snapshot(state)
            t5 = time.perf_counter_ns()
            parts = dict(zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True))
            for kind in ("all", "hot") if hot(orjson.loads(raw)) else ("all",):
                for part, ns in parts.items():
                    timings[kind][part].append(ns)
    return {kind: {**{p: round(percentile(sorted(v), 50) / 1000, 1) for p, v in parts.items()},
                   "n": len(parts["decode"]) // repeat,
                   "total_p50": round(sum(percentile(sorted(v), 50) for v in parts.values()) / 1000, 1)}
            for kind, parts in timings.items()}


def main(argv: list[str]) -> int:
    from bench.e2e import bench_config
    from executor.core import ExecutorCore
    from executor.external import ExternalVenue
    from governor.core import GovernorCore
    from strategy.core import StrategyCore

    rows = load(Path(argv[0]))
    envs = {r["id"]: orjson.loads(r["raw"]) for r in rows}
    by_id = {e["id"]: e for e in envs.values()}
    now_of: dict[str, int] = {}  # input event id → the `now` its consumer decided it at (its outputs' ts)
    causes: dict[str, set[str]] = {}
    for env in by_id.values():
        if env.get("causation_id"):
            now_of.setdefault(env["causation_id"], env["ts"])
            causes.setdefault(env["causation_id"], set()).add(env["type"])
    config = bench_config()
    result = {
        "strategy": profile_core(StrategyCore(config), rows, lambda e: "SetupConfirmed" in causes.get(e["id"], ()),
                                 now_of),
        "governor": profile_core(GovernorCore(config), rows, lambda e: e["type"] == "SetupConfirmed", now_of),
        "executor": profile_core(ExecutorCore(config, ExternalVenue()), rows, lambda e: e["type"] == "EntryApproved",
                                 now_of),
    }
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
