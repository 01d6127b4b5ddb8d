"""Each core's schedule in a recorded session: which inputs it decided, in what order, at what time.

The consumer leaves all of it in the record (runtime/consumer.py, runtime/core_handler.py):
- order: a runner takes its input entries in arrival order (stream ids are the append times; within one
  millisecond market data first, see `arrival_key`), so sorting a core's recorded inputs that way gives
  the order it consumed them;
- decision time: every output's `ts` is the `now` of the decision that produced it and its
  `causation_id` names that decision's input (no core sets an explicit `ts`), so an input with outputs
  carries its own decision time;
- timers: an output of `on_timer` has the cause `timer/<core>/<now>`, which is the firing instant.
An input that produced nothing has no recorded time; it is decided at the core's previous decision time
(the earliest it can have been; before the first one, at the earliest recorded time of the core), and
placed between two timer firings by its arrival: stream ids and decision times come from one clock (a
scaled clock, runtime/clock.py, breaks this). The cores use `now` only where they emit (deadlines,
staleness, cooldowns), so that time cannot change what such a step decided; if it ever did, the
comparison would show it. A timer firing that emitted nothing is not in the record; a core has a deadline
only when it has something to emit then.
Restarts: each time a runner starts its core from the saved snapshot (a new process after a crash, or
after a Redis outage) it records a CoreRestored with the input positions the snapshot includes. The
replayed core is restarted the same way (snapshot, then restore: the paper executor boots again) right
after the last input that snapshot includes, before what the new process took. Not in the record: what a
runner does outside its core on the way down (the governor's SHUTDOWN on SIGTERM); outputs of such causes
are listed as unscheduled and show up as a divergence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from replay.compare import HOUSEKEEPING
from replay.drivers import Step
from replay.sources.recording import Recorded
from runtime.bus import compare_ids
from runtime.consumer import arrival_key
from runtime.core import Core, timer_cause
from schemas.envelope import Envelope
from schemas.system import CoreRestored


@dataclass
class CoreSchedule:
    steps: list[Step] = field(default_factory=list)
    timed: int = 0  # input steps whose decision time is recorded (they had outputs)
    timers: int = 0
    restores: int = 0  # restarts of the core from its snapshot (CoreRestored)
    unscheduled: list[str] = field(default_factory=list)  # causes of outputs no step explains


def schedules(recorded: Iterable[Recorded], cores: Sequence[Core[Any]]) -> dict[str, CoreSchedule]:
    events = list(recorded)
    return {core.name: core_schedule(events, core) for core in cores}


def core_schedule(recorded: Sequence[Recorded], core: Core[Any]) -> CoreSchedule:
    streams = list(core.inputs)
    inputs = sorted((r for r in recorded if r.stream in streams),
                    key=lambda r: (*arrival_key(r.stream, r.stream_id), streams.index(r.stream)))
    input_ids = {r.envelope.id for r in inputs}
    prefix = timer_cause(core.name, 0)[:-1]
    decided_at: dict[str, int] = {}
    fired: set[int] = set()
    out = CoreSchedule()
    for r in recorded:
        envelope = r.envelope
        if envelope.source != core.name or r.stream in HOUSEKEEPING:
            continue
        cause = envelope.causation_id or ""
        if cause.startswith(prefix) and cause[len(prefix):].isdigit():
            fired.add(int(cause[len(prefix):]))
        elif cause in input_ids:
            decided_at.setdefault(cause, envelope.ts)
        elif cause not in out.unscheduled:
            out.unscheduled.append(cause)
    timers = sorted(fired)
    out.timers = len(timers)
    known = [*decided_at.values(), *timers]
    next_timer, last = 0, (min(known) if known else 0)
    for r in inputs:
        arrived = arrival_key(r.stream, r.stream_id)[0]
        at = decided_at.get(r.envelope.id)
        # a timer fires before an input decided at (or, untimed, arrived at) the same instant or later
        while next_timer < len(timers) and timers[next_timer] <= (arrived if at is None else at):
            last = max(last, timers[next_timer])
            out.steps.append(Step(timers[next_timer]))
            next_timer += 1
        if at is None:
            at = last
        else:
            out.timed += 1
        last = max(last, at)
        out.steps.append(Step(at, r.envelope))
    out.steps.extend(Step(t) for t in timers[next_timer:])
    restores = sorted((r.envelope for r in recorded if r.envelope.source == core.name
                       and isinstance(r.envelope.payload, CoreRestored) and r.envelope.payload.from_snapshot),
                      key=lambda e: e.ts)
    for restored in restores:
        insert_restore(out.steps, inputs, restored)
    out.restores = len(restores)
    return out


def insert_restore(steps: list[Step], inputs: Sequence[Recorded], restored: Envelope) -> None:
    """Put the restart after the last input its snapshot includes, after the timers the old process fired
    before it went down, and after any earlier restart."""
    payload = restored.payload
    assert isinstance(payload, CoreRestored)
    included = {r.envelope.id for r in inputs
                if r.stream in payload.positions and compare_ids(r.stream_id, payload.positions[r.stream]) <= 0}
    at = 0
    for index, step in enumerate(steps):
        if step.restore or (step.event is not None and step.event.id in included):
            at = index + 1
    while at < len(steps) and steps[at].event is None and not steps[at].restore and steps[at].now < restored.ts:
        at += 1
    steps.insert(at, Step(restored.ts, restore=True))
