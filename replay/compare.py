"""What a log replay feeds the cores, and how its outputs are compared with what was recorded.

Input rule: a recorded event is an input when a chosen core reads its stream and no chosen core produced
it (its `source` is not a chosen core). So replaying only the governor feeds it the recorded `signals`
and `executions` as well as feed and commands, while replaying all three cores feeds only market data,
feed and commands: their own outputs are produced again.

Compare rule: the recorded events produced by the chosen cores (minus the runner's own housekeeping on
`heartbeats` and `logs`) against the replayed outputs, in the same window, lane by lane, where a lane is
one core writing to one stream. Within a lane the order is exactly the core's decision order; between
lanes it is not (live cores are separate processes, and one MULTI/EXEC can give two streams the same
id), so lanes are compared separately and the first divergence is the earliest mismatch of any lane.
Exact mode (`--timing recorded`, replay/schedule.py): each core re-takes its recorded decisions at
the recorded times, so two events match only when their encoded envelopes are byte-identical: id, ts,
causation and correlation ids, and payload. Virtual-time mode (`--timing virtual`): two events match when
(type, correlation_id, payload) are equal; `id` and `ts` are not compared, because live `now` was the
wall clock when the runner got to the event, in virtual time it is the event's own time, and the id is
derived from the cause and the time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from replay.sources.recording import Recorded, iso
from runtime.core import Core
from schemas.envelope import Envelope
from schemas.registry import encode, envelope_dict, stream_of
from schemas.streams import HEARTBEATS, LOGS

HOUSEKEEPING = frozenset({HEARTBEATS, LOGS})  # written by the runner (process heartbeats, logs), not the core


def split_recording(recorded: Iterable[Recorded], cores: Sequence[Core[Any]]
                    ) -> tuple[list[Envelope], list[Recorded]]:
    """(inputs of the chosen cores, recorded outputs of the chosen cores), both in recorded order."""
    names = {core.name for core in cores}
    read = {stream for core in cores for stream in core.inputs}
    inputs: list[Envelope] = []
    outputs: list[Recorded] = []
    for r in recorded:
        if r.envelope.source in names:
            if r.stream not in HOUSEKEEPING:
                outputs.append(r)
        elif r.stream in read:
            inputs.append(r.envelope)
    return inputs, outputs


EXACT = ["the encoded envelope (id, ts, causation_id, correlation_id, payload, ...)"]
LOOSE = ["type", "correlation_id", "payload"]


def comparable(envelope: Envelope, exact: bool = False) -> Any:
    return encode(envelope) if exact else (envelope.type, envelope.correlation_id, envelope.payload)


@dataclass(frozen=True, slots=True)
class Divergence:
    lane: str
    index: int  # position in the lane
    recorded: Recorded | None  # None: the replay produced more than was recorded
    replayed: Envelope | None  # None: the replay produced less

    @property
    def ts(self) -> int:
        times = [e.ts for e in (self.replayed,) if e is not None]
        if self.recorded is not None:
            times.append(self.recorded.envelope.ts)
        return min(times)

    def as_dict(self) -> dict[str, Any]:
        recorded = None
        if self.recorded is not None:
            recorded = {"stream": self.recorded.stream, "stream_id": self.recorded.stream_id,
                        "envelope": envelope_dict(self.recorded.envelope)}
        replayed = None if self.replayed is None else {"envelope": envelope_dict(self.replayed)}
        return {"lane": self.lane, "index": self.index, "ts": self.ts, "time": iso(self.ts),
                "recorded": recorded, "replayed": replayed}


@dataclass
class Comparison:
    counts: dict[str, tuple[int, int]]  # type -> (recorded, replayed), ignored types included
    lanes: dict[str, tuple[int, int, int | None]]  # lane -> (recorded, replayed, first mismatch index)
    first: Divergence | None
    ignored_types: list[str] = field(default_factory=list)
    compared_on: list[str] = field(default_factory=lambda: list(LOOSE))

    @property
    def identical(self) -> bool:
        return self.first is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "compared_on": self.compared_on,
            "ignored_types": self.ignored_types,
            "by_type": {t: {"recorded": r, "replayed": p} for t, (r, p) in sorted(self.counts.items())},
            "lanes": {lane: {"recorded": r, "replayed": p, "first_divergence_index": i}
                      for lane, (r, p, i) in sorted(self.lanes.items())},
            "first_divergence": None if self.first is None else self.first.as_dict(),
        }


def lane_of(source: str, stream: str) -> str:
    return f"{source} -> {stream}"


def compare(recorded: Sequence[Recorded], replayed: Sequence[Envelope],
            ignore_types: Iterable[str] = (), exact: bool = False) -> Comparison:
    ignored = sorted(set(ignore_types))
    rec_count = Counter(r.envelope.type for r in recorded)
    rep_count = Counter(e.type for e in replayed)
    counts = {t: (rec_count[t], rep_count[t]) for t in rec_count | rep_count}
    rec_lanes: dict[str, list[Recorded]] = {}
    rep_lanes: dict[str, list[Envelope]] = {}
    for r in recorded:
        if r.envelope.type not in ignored:
            rec_lanes.setdefault(lane_of(r.envelope.source, r.stream), []).append(r)
    for e in replayed:
        if e.type not in ignored:
            rep_lanes.setdefault(lane_of(e.source, stream_of(e.payload)), []).append(e)
    lanes: dict[str, tuple[int, int, int | None]] = {}
    first: Divergence | None = None
    for lane in sorted(rec_lanes.keys() | rep_lanes.keys()):
        rec, rep = rec_lanes.get(lane, []), rep_lanes.get(lane, [])
        divergence = _first_mismatch(lane, rec, rep, exact)
        lanes[lane] = (len(rec), len(rep), None if divergence is None else divergence.index)
        if divergence is not None and (first is None or divergence.ts < first.ts):
            first = divergence
    return Comparison(counts, lanes, first, ignored, list(EXACT if exact else LOOSE))


def _first_mismatch(lane: str, rec: Sequence[Recorded], rep: Sequence[Envelope],
                    exact: bool) -> Divergence | None:
    for index in range(max(len(rec), len(rep))):
        left = rec[index] if index < len(rec) else None
        right = rep[index] if index < len(rep) else None
        if left is None or right is None or comparable(left.envelope, exact) != comparable(right, exact):
            return Divergence(lane, index, left, right)
    return None


def render(comparison: Comparison) -> list[str]:
    """The human part of the report: counts per type, then the verdict and the first divergence."""
    lines = [f"{'type':<24} {'recorded':>9} {'replayed':>9}"]
    for type_, (rec, rep) in sorted(comparison.counts.items()):
        mark = "  (ignored)" if type_ in comparison.ignored_types else ("  *" if rec != rep else "")
        lines.append(f"{type_:<24} {rec:>9} {rep:>9}{mark}")
    compared = sum(r for r, _, _ in comparison.lanes.values())
    first = comparison.first
    if first is None:
        on = "byte for byte" if comparison.compared_on == EXACT else "on (type, correlation_id, payload)"
        lines.append(f"IDENTICAL: {compared} recorded outputs in {len(comparison.lanes)} lanes match the replay {on}")
        lines.extend(f"  {lane}: {rec}" for lane, (rec, _, _) in sorted(comparison.lanes.items()))
        return lines
    lines.append(f"DIVERGED at {iso(first.ts)}: lane {first.lane}, event #{first.index}")
    if first.recorded is None:
        lines.append("  recorded: (nothing: the replay produced more)")
    else:
        lines.append(f"  recorded: {_one_line(first.recorded.envelope)}  [{first.recorded.stream}"
                     f" {first.recorded.stream_id}]")
    lines.append("  replayed: (nothing: the replay produced less)" if first.replayed is None
                 else f"  replayed: {_one_line(first.replayed)}")
    return lines


def _one_line(envelope: Envelope) -> str:
    payload = envelope.payload.model_dump_json()
    return (f"{envelope.type} id={envelope.id} cause={envelope.causation_id} corr={envelope.correlation_id} "
            f"ts={envelope.ts} payload={payload}")
