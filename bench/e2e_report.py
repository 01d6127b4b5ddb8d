"""From the streams of a `liqfade bench e2e` run to latency samples and a per-stage breakdown.

All stamps are the bot's (scaled) clock in epoch ms, shared by every process (runtime/clock.py):
- `recv`: the md envelope's recv_ts — ingest read the frame that confirmed the setup (the trigger);
- `strategy`, `governor`, `executor`: the `ts` of SetupConfirmed, EntryApproved and the entry's
  OrderSubmitted — the consumer's `now` just before that core decided (after its XREADGROUP woke and the
  entry was decoded), so each stage holds the upstream commit, one Redis hop and a decode;
- `accept`: the simulator's creation time of the entry order (its clock, the same shared scaled clock).
A stamp is whole ms of a clock running `speed` times the wall clock, so dividing by `speed` gives wall
time with a resolution of 1000 / speed µs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STAGES = ("ingest_to_strategy", "strategy_to_governor", "governor_to_executor", "executor_to_exchange")


@dataclass(frozen=True)
class Sample:
    client_order_id: str
    recv: int
    strategy: int
    governor: int
    executor: int
    accept: int

    def total_ms(self) -> int:
        return self.accept - self.recv

    def stages_ms(self) -> dict[str, int]:
        return {"ingest_to_strategy": self.strategy - self.recv, "strategy_to_governor": self.governor - self.strategy,
                "governor_to_executor": self.executor - self.governor,
                "executor_to_exchange": self.accept - self.executor}


def entry_orders(events: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The envelopes of every entry OrderSubmitted (the first order of a trade), oldest first."""
    out = [e for e in events.values() if e["type"] == "OrderSubmitted" and e["payload"]["purpose"] == "ENTRY"]
    return sorted(out, key=lambda e: (e["ts"], e["id"]))


def samples(events: Mapping[str, dict[str, Any]], accepted_at: Mapping[str, int]) -> list[Sample]:
    """One sample per entry order the exchange accepted, following causation ids back to the md frame:
    OrderSubmitted → EntryApproved → SetupConfirmed → the md envelope that confirmed the setup."""
    out = []
    for order in entry_orders(events):
        cid = order["payload"]["client_order_id"]
        approved = events.get(order["causation_id"] or "")
        while approved is not None and approved["type"] != "EntryApproved":
            approved = events.get(approved["causation_id"] or "")
        confirmed = events.get(approved["causation_id"] or "") if approved is not None else None
        trigger = events.get(confirmed["causation_id"] or "") if confirmed is not None else None
        if confirmed is None or confirmed["type"] != "SetupConfirmed" or trigger is None:
            continue
        if not trigger.get("recv_ts") or cid not in accepted_at:
            continue
        out.append(Sample(cid, int(trigger["recv_ts"]), int(confirmed["ts"]), int(approved["ts"]),  # type: ignore[index]
                          int(order["ts"]), accepted_at[cid]))
    return out


def to_wall_ns(clock_ms: float, speed: float) -> int:
    return round(clock_ms * 1_000_000 / speed)


def redis_split(events: Mapping[str, dict[str, Any]], found: Sequence[Sample], speed: float,
                anchor_ms: int) -> dict[str, dict[str, float]]:
    """Each stage split at the moment Redis appended the upstream entry (its stream id: Redis's own wall
    clock, whole ms, so only the p50 over many samples means much): `<stage>.commit` is the upstream
    runner's work from its `now` to the XADD, `<stage>.wake` the hop plus the downstream read and decode."""
    from bench.stats import summary_us

    by_cid = {e["payload"].get("client_order_id"): e for e in events.values() if e["type"] == "OrderSubmitted"}
    parts: dict[str, list[float]] = {}
    for sample in found:
        order = by_cid[sample.client_order_id]
        approved = events[order["causation_id"]]
        confirmed = events[approved["causation_id"]]
        trigger = events[confirmed["causation_id"]]
        chain = [(sample.recv, trigger), (sample.strategy, confirmed), (sample.governor, approved)]
        nows = [sample.strategy, sample.governor, sample.executor]
        for name, (stamp, env), next_now in zip(STAGES, chain, nows, strict=False):
            appended = int(env["_stream_id"].split("-")[0])
            wall = anchor_ms + (stamp - anchor_ms) / speed
            wall_next = anchor_ms + (next_now - anchor_ms) / speed
            parts.setdefault(f"{name}.commit", []).append((appended - wall) * 1e6)
            parts.setdefault(f"{name}.wake", []).append((wall_next - appended) * 1e6)
    return {name: summary_us([round(v) for v in values]) for name, values in parts.items()}
