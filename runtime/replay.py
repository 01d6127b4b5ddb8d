"""Run cores in one process, in virtual time, over an ordered input of events (DESIGN §9).

Timers fire at their deadlines between input events; every output is fed back to the cores that read
its stream before the next input is taken. The same input and config give byte-identical output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
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
