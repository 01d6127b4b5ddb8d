"""Bot-state transitions. Every change of status is a `BotStateChanged` with its cause and actor."""

from __future__ import annotations

from dataclasses import replace

from governor.state import GovState
from runtime.core import Emit
from schemas.risk import BotStateChanged
from schemas.types import BotStatus

ACTOR = "governor"


def transition(state: GovState, to: BotStatus, cause: str, actor: str = ACTOR) -> tuple[GovState, list[Emit]]:
    """Move to `to`; a move to the current status is no transition and emits nothing."""
    if state.status == to:
        return state, []
    changed = BotStateChanged(from_state=state.status, to_state=to, cause=cause, actor=actor)
    return replace(state, status=to, status_cause=cause), [Emit(changed)]


def to_error(state: GovState, cause: str, actor: str) -> tuple[GovState, list[Emit]]:
    """Any state → ERROR. Left only by an operator's resume (see governor/commands.py)."""
    if state.status == BotStatus.ERROR:
        # already halted: record the further cause without a transition
        return replace(state, status_cause=f"{state.status_cause}; {cause}"[-500:]), []
    return transition(state, BotStatus.ERROR, cause, actor)


def shutdown(state: GovState, cause: str, actor: str = ACTOR) -> tuple[GovState, list[Emit]]:
    """Any state → SHUTDOWN, remembering where to come back to on the next start."""
    if state.status == BotStatus.SHUTDOWN:
        return state, []
    back = state.status
    new, emits = transition(state, BotStatus.SHUTDOWN, cause, actor)
    return replace(new, resume_status=back), emits


def restart(state: GovState) -> tuple[GovState, list[Emit]]:
    """SHUTDOWN → the status a restart may take: ERROR and a manual pause survive a restart; anything
    else waits in BOOTING for the executor's boot checks again."""
    back = state.resume_status
    to = back if back in (BotStatus.ERROR, BotStatus.PAUSED_MANUAL) else BotStatus.BOOTING
    assert to is not None
    new, emits = transition(state, to, "governor restarted")
    return replace(new, resume_status=None), emits
