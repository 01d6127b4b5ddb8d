"""Operator commands (seed §6.2). Each is idempotent by its key and answered by a ControlActionResult.

- pause: RUNNING / PAUSED_RISK_LIMIT / BOOTING → PAUSED_MANUAL. Refused in ERROR (ERROR already blocks
  entries, and a pause must not become a way out of it).
- resume: → RUNNING, refused while a risk limit holds, or while no executor boot check has passed.
  It is also the only way out of ERROR: the operator's resume is the acknowledgement that the cause was
  dealt with; a failed boot check must first be followed by a passing one.
- flatten: always accepted (most of all in ERROR): `FlattenOrdered` to the executor, and PAUSED_MANUAL
  unless the bot is in ERROR or SHUTDOWN.
- reset daily counters (admin): what the day boundary does, now; may lift daily limits.
- config published: applied at once (limits re-evaluated right after); open positions keep the exits
  they were approved with, since those travel in their EntryApproved.
- health check: answered by the executor's HealthCheckResult; the governor acknowledges it, which tells
  the operator the governor is alive and reading commands.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from governor import exposure
from governor.limits import change_zone, limit_detail, start_day
from governor.machine import to_error, transition
from governor.state import SEEN_KEYS_MAX, GovState, remember
from runtime.core import Emit
from schemas.commands import (
    ConfigPublished,
    DailyCountersResetRequested,
    FlattenRequested,
    HealthCheckRequested,
    PauseRequested,
    ResumeRequested,
)
from schemas.risk import ControlActionResult, FlattenOrdered
from schemas.types import BotStatus

Command = (
    PauseRequested | ResumeRequested | FlattenRequested | DailyCountersResetRequested | ConfigPublished
    | HealthCheckRequested
)
Outcome = tuple[GovState, list[Emit], str]  # state, emits, refusal reason ("" = accepted)
ResultOutcome = Literal["accepted", "refused", "duplicate"]


def handle_command(state: GovState, command: Command, now: int) -> tuple[GovState, list[Emit]]:
    key = command.idempotency_key
    if key in state.seen_keys:
        return state, [_result(command, "duplicate", "idempotency key already processed")]
    state = replace(state, seen_keys=remember(state.seen_keys, key, SEEN_KEYS_MAX))
    state, emits, refusal = _dispatch(state, command, now)
    outcome: ResultOutcome = "refused" if refusal else "accepted"
    return state, [*emits, _result(command, outcome, refusal)]


def _result(command: Command, outcome: ResultOutcome, reason: str) -> Emit:
    return Emit(ControlActionResult(
        command=command.TYPE, idempotency_key=command.idempotency_key, actor=command.actor,
        outcome=outcome, reason=reason,
    ))


def _dispatch(state: GovState, command: Command, now: int) -> Outcome:
    if isinstance(command, PauseRequested):
        return _pause(state, command)
    if isinstance(command, ResumeRequested):
        return _resume(state, command)
    if isinstance(command, FlattenRequested):
        return _flatten(state, command)
    if isinstance(command, DailyCountersResetRequested):
        state, emits = start_day(state, now, command.actor, announce=True)
        return state, emits, ""
    if isinstance(command, ConfigPublished):
        return _config(state, command, now)
    return state, [], ""  # HealthCheckRequested: acknowledged


def _pause(state: GovState, command: PauseRequested) -> Outcome:
    if state.status in (BotStatus.ERROR, BotStatus.SHUTDOWN):
        return state, [], f"bot is {state.status.value}: {state.status_cause}"
    cause = f"paused by operator{': ' + command.reason if command.reason else ''}"
    state, emits = transition(state, BotStatus.PAUSED_MANUAL, cause, command.actor)
    return state, emits, ""


def _resume(state: GovState, command: ResumeRequested) -> Outcome:
    if state.status == BotStatus.SHUTDOWN:
        return state, [], "bot is shutting down"
    if not state.boot_ok:
        return state, [], "executor boot checks have not passed"
    if state.venue and state.config.mode != state.venue:
        return state, [], (f"config v{state.config.version} mode={state.config.mode} but the executor runs "
                            f"{state.venue}: publish a config with mode={state.venue}")
    if state.limits_holding:
        details = "; ".join(limit_detail(state, n) for n in state.limits_holding)
        return state, [], f"risk limit holds: {details}"
    cause = "resumed by operator"
    if state.status == BotStatus.ERROR:
        cause += f" after ERROR ({state.status_cause})"
    state, emits = transition(state, BotStatus.RUNNING, cause, command.actor)
    return state, emits, ""


def _flatten(state: GovState, command: FlattenRequested) -> Outcome:
    reason = command.reason or "operator flatten"
    order = FlattenOrdered(reason=reason, actor=command.actor, idempotency_key=command.idempotency_key)
    emits = [Emit(order)]
    state = exposure.flatten(state)
    if state.status not in (BotStatus.ERROR, BotStatus.SHUTDOWN):
        state, moved = transition(state, BotStatus.PAUSED_MANUAL, f"flatten: {reason}", command.actor)
        emits += moved
    return state, emits, ""


def _config(state: GovState, command: ConfigPublished, now: int) -> Outcome:
    zone_changed = command.config.day_boundary_tz != state.config.day_boundary_tz
    state = replace(state, config=command.config)
    if zone_changed:
        state = change_zone(state, now)
    if state.venue and command.config.mode != state.venue:
        cause = (f"config v{command.config.version} mode={command.config.mode} but the executor runs "
                 f"{state.venue} (TRADING_MODE): no entries until a config with mode={state.venue} is published")
        state, emits = to_error(state, cause, command.actor)
        return state, emits, ""
    return state, [], ""
