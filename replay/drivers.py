"""The replay drivers: cores run in one process over recorded events (DESIGN §9).

`ReplayDriver`: virtual time. Timers fire at their deadlines between input events; every output is fed
back to the cores that read its stream before the next input is taken. The same input and config give
byte-identical output. `ScheduledReplay`: each core re-takes the decisions of a recorded live session,
at the recorded times and in the recorded order, so the session's outputs come out again, ids included.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.core import Core, envelopes, timer_cause
from schemas.envelope import Envelope
from schemas.registry import stream_of


class ReplayDriver:
    def __init__(self, cores: Sequence[Core[Any]]) -> None:
        self.cores = list(cores)
        self.states: dict[str, Any] = {core.name: core.initial_state() for core in self.cores}
        self.last_timer: dict[str, int] = {core.name: -1 for core in self.cores}
        self.readers: dict[str, list[Core[Any]]] = {}
        for core in self.cores:
            for stream in core.inputs:
                self.readers.setdefault(stream, []).append(core)
        self.now = 0
        self.start: int | None = None  # virtual time begins at the first input: nothing fires before it

    def run(self, inputs: Iterable[Envelope], until: int | None = None) -> Iterator[Envelope]:
        """Yield every output, in the order it was produced. `until` fires timers past the last input."""
        for event in inputs:
            if self.start is None:
                self.start = event.ts
            self.now = max(self.now, event.ts)
            yield from self.fire_timers(self.now)
            yield from self.dispatch(event)
        if until is not None:
            self.now = max(self.now, until)
            yield from self.fire_timers(self.now)

    def fire_timers(self, upto: int) -> Iterator[Envelope]:
        while True:
            due = self._earliest_due(upto)
            if due is None:
                return
            core, at = due
            decision = core.on_timer(self.states[core.name], at)
            self.states[core.name] = decision.state
            self.last_timer[core.name] = at
            outputs = envelopes(decision.emits, source=core.name, cause_id=timer_cause(core.name, at), now=at)
            for output in outputs:
                yield output
                yield from self.dispatch(output, now=at)

    def _earliest_due(self, upto: int) -> tuple[Core[Any], int] | None:
        best: tuple[Core[Any], int] | None = None
        for core in self.cores:
            deadline = core.next_deadline(self.states[core.name])
            if deadline is None:
                continue
            # a timer fires once per instant, and a deadline from before the first input fires at its time
            at = max(deadline, self.last_timer[core.name] + 1, self.start or 0)
            if at <= upto and (best is None or at < best[1]):
                best = (core, at)
        return best

    def dispatch(self, event: Envelope, now: int | None = None) -> Iterator[Envelope]:
        """Deliver an event to its readers, and their outputs to theirs, breadth first."""
        at = self.now if now is None else now
        queue: deque[Envelope] = deque([event])
        first = True
        while queue:
            current = queue.popleft()
            if not first:
                yield current
            first = False
            for core in self.readers.get(stream_of(current.payload), ()):
                decision = core.decide(self.states[core.name], current, at)
                self.states[core.name] = decision.state
                queue.extend(envelopes(decision.emits, source=core.name, cause_id=current.id, now=at,
                                       cause_correlation=current.correlation_id))


@dataclass(frozen=True, slots=True)
class Step:
    """One decision of one core in a recorded session: `event` decided at `now`, or (None) its timer; or,
    with `restore`, the runner restarting the core from its snapshot (a crash, a Redis outage)."""

    now: int
    event: Envelope | None = None
    restore: bool = False


class ScheduledReplay:
    """Re-run cores through the steps a live session took (the incident debugger's exact mode).

    Each core gets its own schedule, taken from the record: its inputs in the order its runner consumed
    them, each decided at the recorded decision time, and its timer fired at the recorded instants only
    (never from `next_deadline`). Live, the wall clock chose those times; here they are data, so the same
    record gives the same outputs, ids included. An input that one of the replayed cores wrote is fed as
    the replay produced it (same id); when the replay did not produce it (an upstream divergence), the
    recorded one is fed and counted in `substituted`.
    """

    def __init__(self, cores: Sequence[Core[Any]], schedules: Mapping[str, Sequence[Step]]) -> None:
        self.cores = {core.name: core for core in cores}
        self.states: dict[str, Any] = {core.name: core.initial_state() for core in cores}
        self.schedules = {name: list(schedules.get(name, ())) for name in self.cores}
        self.cursor = dict.fromkeys(self.cores, 0)
        self.produced: dict[str, Envelope] = {}
        self.substituted = 0
        # each step's cause id (its input's id, or its timer's), to find the step that wrote an input
        self.step_of: dict[str, dict[str, int]] = {
            name: {(timer_cause(name, step.now) if step.event is None else step.event.id): index
                   for index, step in enumerate(steps) if not step.restore}
            for name, steps in self.schedules.items()}

    def run(self) -> Iterator[Envelope]:
        """Yield every output in the order produced; across cores, steps go in decision-time order."""
        while True:
            name = self._next()
            if name is None:
                return
            step = self.schedules[name][self.cursor[name]]
            self.cursor[name] += 1
            yield from self._take(name, step)

    def _head(self, name: str) -> Step | None:
        steps, at = self.schedules[name], self.cursor[name]
        return steps[at] if at < len(steps) else None

    def _next(self) -> str | None:
        """The core whose next step is earliest among those whose input is available; ties in core
        order. A step waits while the step that wrote its input (by the input's causation id) has not
        been taken; with nothing ready (an inconsistent record), the earliest goes anyway."""
        heads = [(step.now, order, name) for order, name in enumerate(self.cores)
                 if (step := self._head(name)) is not None]
        if not heads:
            return None
        heads.sort()
        for _, _, name in heads:
            if self._ready(name):
                return name
        return heads[0][2]

    def _ready(self, name: str) -> bool:
        step = self._head(name)
        assert step is not None
        event = step.event
        if event is None or event.source == name or event.source not in self.cores:
            return True
        writer = self.step_of[event.source].get(event.causation_id or "")
        return writer is None or self.cursor[event.source] > writer

    def _take(self, name: str, step: Step) -> Iterator[Envelope]:
        core, state = self.cores[name], self.states[name]
        if step.restore:  # what the runner does at start: the saved snapshot, read back
            self.states[name] = core.restore(core.snapshot(state))
            return
        if step.event is None:
            decision = core.on_timer(state, step.now)
            cause, correlation = timer_cause(name, step.now), None
        else:
            event = step.event
            if event.source in self.cores:
                replayed = self.produced.get(event.id)
                if replayed is None:
                    self.substituted += 1
                else:
                    event = replayed
            decision = core.decide(state, event, step.now)
            cause, correlation = event.id, event.correlation_id
        self.states[name] = decision.state
        for output in envelopes(decision.emits, source=name, cause_id=cause, now=step.now,
                                cause_correlation=correlation):
            self.produced[output.id] = output
            yield output
