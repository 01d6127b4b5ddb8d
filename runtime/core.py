"""The contract of a worker's pure core, and how its outputs become envelopes.

A core decides; it never reads a clock, draws a random number or does I/O. The consumer (live, through
runtime/core_handler.py) and the replay driver (virtual time) both call it the same way, so a replay
reproduces a session exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, runtime_checkable

from schemas.envelope import Envelope, Payload, derive_id

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Emit:
    """One output of a core: a payload plus the links the envelope needs."""

    payload: Payload
    correlation_id: str | None = None
    ts: int | None = None  # event time; the decision time `now` when not given


@dataclass(frozen=True, slots=True)
class Decision(Generic[S]):
    state: S
    emits: Sequence[Emit] = ()


class Core(Protocol[S]):
    """`decide(state, event, now)` and `on_timer(state, now)` are pure functions of their arguments."""

    @property
    def name(self) -> str: ...

    @property
    def inputs(self) -> tuple[str, ...]:
        """The streams this core consumes."""
        ...

    def initial_state(self) -> S: ...

    def decide(self, state: S, event: Envelope, now: int) -> Decision[S]: ...

    def on_timer(self, state: S, now: int) -> Decision[S]: ...

    def next_deadline(self, state: S) -> int | None:
        """The earliest `now` at which on_timer has something to do, or None."""
        ...

    def snapshot(self, state: S) -> bytes: ...

    def restore(self, raw: bytes) -> S: ...


@runtime_checkable
class ShutdownHook(Protocol[S]):
    """A core with something to record when its process is asked to stop (the governor: SHUTDOWN). The
    consumer commits the decision's outputs and its snapshot like any other; a crash skips it."""

    def on_shutdown(self, state: S, now: int, cause: str) -> Decision[S]: ...


def timer_cause(core_name: str, now: int) -> str:
    return f"timer/{core_name}/{now}"


def envelopes(
    emits: Sequence[Emit], *, source: str, cause_id: str, now: int, cause_correlation: str | None = None
) -> list[Envelope]:
    """Wrap a core's outputs in envelopes with ids derived from the cause and each output's position."""
    out: list[Envelope] = []
    for index, emit in enumerate(emits):
        ts = now if emit.ts is None else emit.ts
        out.append(
            Envelope(
                id=derive_id(cause_id, index, ts),
                type=emit.payload.TYPE,
                v=emit.payload.VERSION,
                ts=ts,
                source=source,
                correlation_id=emit.correlation_id if emit.correlation_id is not None else cause_correlation,
                causation_id=cause_id,
                payload=emit.payload,
            )
        )
    return out
