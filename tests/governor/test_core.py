"""The governor's state machine and commands: every transition, idempotency, ERROR, SHUTDOWN, heartbeats."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from governor.machine import shutdown
from schemas.commands import (
    ConfigPublished,
    DailyCountersResetRequested,
    FlattenRequested,
    HealthCheckRequested,
    PauseRequested,
    ResumeRequested,
)
from schemas.orders import VenueError
from schemas.positions import IncidentReported
from schemas.risk import (
    BotStateChanged,
    ControlActionResult,
    DailyCountersReset,
    EntryApproved,
    FlattenOrdered,
    Heartbeat,
    RiskLimitHit,
    SignalVetoed,
)
from schemas.types import BotStatus, RejectReason
from tests.governor.factories import MIN, T0, Harness, boot, config, of, opened, setup, transitions


def result(payloads: Sequence[object]) -> ControlActionResult:
    (answer,) = [p for p in payloads if isinstance(p, ControlActionResult)]
    return answer


def test_governor_when_started_is_booting_and_vetoes_not_running() -> None:
    gov = Harness.start(booted=False)
    out = gov.send(setup())
    assert gov.state.status == BotStatus.BOOTING
    assert of(out, SignalVetoed)[0].reason == RejectReason.NOT_RUNNING


def test_boot_checks_when_ok_moves_booting_to_running_with_executor_as_actor() -> None:
    gov = Harness.start(booted=False)
    out = gov.send(boot(ok=True))
    (changed,) = of(out, BotStateChanged)
    assert (changed.from_state, changed.to_state, changed.actor) == ("BOOTING", "RUNNING", "executor")
    assert "boot checks passed" in changed.cause
    assert of(gov.send(setup()), EntryApproved)


def test_boot_checks_when_failed_moves_to_error_with_reason_and_resume_needs_a_passing_boot() -> None:
    gov = Harness.start(booted=False)
    out = gov.send(boot(ok=False))
    (changed,) = of(out, BotStateChanged)
    assert changed.to_state == BotStatus.ERROR
    assert "leverage: -4028 leverage not valid" in changed.cause
    refused = result(gov.send(ResumeRequested(idempotency_key="r1", actor="ops")))
    assert (refused.outcome, refused.reason) == ("refused", "executor boot checks have not passed")
    assert not of(gov.send(boot(ok=True)), BotStateChanged)  # ERROR is not left by itself
    out = gov.send(ResumeRequested(idempotency_key="r2", actor="ops"))
    assert result(out).outcome == "accepted"
    assert transitions(out) == [("ERROR", "RUNNING")]
    assert of(out, BotStateChanged)[0].actor == "ops"


def test_pause_when_running_moves_to_paused_manual_and_vetoes_paused_until_resumed() -> None:
    gov = Harness.start()
    out = gov.send(PauseRequested(idempotency_key="p1", actor="ops", reason="lunch"))
    assert transitions(out) == [("RUNNING", "PAUSED_MANUAL")]
    assert of(out, BotStateChanged)[0].cause == "paused by operator: lunch"
    assert of(gov.send(setup()), SignalVetoed)[0].reason == RejectReason.PAUSED
    out = gov.send(ResumeRequested(idempotency_key="r1", actor="ops"))
    assert transitions(out) == [("PAUSED_MANUAL", "RUNNING")]
    assert of(gov.send(setup(ts=T0 + 1)), EntryApproved)


def test_pause_when_booting_stays_paused_after_boot_checks_pass() -> None:
    gov = Harness.start(booted=False)
    gov.send(PauseRequested(idempotency_key="p1", actor="ops"))
    assert not transitions(gov.send(boot()))
    assert gov.state.status == BotStatus.PAUSED_MANUAL


def test_command_when_idempotency_key_repeats_answers_duplicate_and_does_nothing() -> None:
    gov = Harness.start()
    gov.send(PauseRequested(idempotency_key="k1", actor="ops"))
    gov.send(ResumeRequested(idempotency_key="k2", actor="ops"))
    out = gov.send(PauseRequested(idempotency_key="k1", actor="ops"))
    assert result(out).outcome == "duplicate"
    assert not transitions(out)
    assert gov.state.status == BotStatus.RUNNING


def test_command_keys_when_more_than_the_bound_only_the_latest_are_remembered() -> None:
    gov = Harness.start()
    for n in range(1005):
        gov.send(HealthCheckRequested(idempotency_key=f"h{n}", actor="ops"))
    assert len(gov.state.seen_keys) == 1000
    assert result(gov.send(HealthCheckRequested(idempotency_key="h1004", actor="ops"))).outcome == "duplicate"


def test_health_check_when_received_is_acknowledged_without_transition() -> None:
    gov = Harness.start()
    out = gov.send(HealthCheckRequested(idempotency_key="h1", actor="ops"))
    assert result(out).outcome == "accepted"
    assert not transitions(out)


def test_flatten_when_running_orders_flatten_and_pauses_manually() -> None:
    gov = Harness.start()
    out = gov.send(FlattenRequested(idempotency_key="f1", actor="ops", reason="news"))
    (order,) = of(out, FlattenOrdered)
    assert (order.reason, order.actor, order.idempotency_key) == ("news", "ops", "f1")
    assert transitions(out) == [("RUNNING", "PAUSED_MANUAL")]


def test_flatten_when_in_error_is_accepted_and_stays_in_error() -> None:
    gov = Harness.start()
    gov.send(IncidentReported(kind="UNKNOWN_POSITION", symbol="BTCUSDT", setup_id=None, detail="x", action="adopted"))
    out = gov.send(FlattenRequested(idempotency_key="f1", actor="ops"))
    assert of(out, FlattenOrdered) and result(out).outcome == "accepted"
    assert not transitions(out)


def test_pause_when_in_error_is_refused() -> None:
    gov = Harness.start()
    gov.send(IncidentReported(kind="UNKNOWN_ORDER", symbol=None, setup_id=None, detail="x", action="cancelled"))
    assert result(gov.send(PauseRequested(idempotency_key="p1", actor="ops"))).outcome == "refused"


def test_incident_when_naked_position_records_limit_and_moves_to_error_until_resumed() -> None:
    gov = Harness.start()
    out = gov.send(IncidentReported(kind="NAKED_POSITION", symbol="BTCUSDT", setup_id="s", detail="no stop 1.2 s",
                                    action="closed at market"))
    assert of(out, RiskLimitHit)[0].limit == "naked_position"
    assert transitions(out) == [("RUNNING", "ERROR")]
    assert of(gov.send(setup()), SignalVetoed)[0].reason == RejectReason.NOT_RUNNING
    assert transitions(gov.send(ResumeRequested(idempotency_key="r", actor="ops"))) == [("ERROR", "RUNNING")]


def test_venue_error_when_ip_banned_moves_to_error_and_retriable_errors_do_not() -> None:
    gov = Harness.start()
    assert not gov.send(VenueError(operation="new_order", code=-1021, msg="timestamp", retriable=True))
    out = gov.send(VenueError(operation="new_order", code=418, msg="IP banned until 1717", retriable=False))
    assert of(out, RiskLimitHit)[0].limit == "venue_ban"
    assert transitions(out) == [("RUNNING", "ERROR")]


def test_shutdown_when_running_restarts_into_booting_and_waits_for_boot_checks() -> None:
    gov = Harness.start()
    gov.state, emits = shutdown(gov.state, "SIGTERM")
    assert [(e.payload.from_state, e.payload.to_state) for e in emits] == [("RUNNING", "SHUTDOWN")]  # type: ignore[attr-defined]
    assert transitions(gov.advance(T0 + MIN)) == [("SHUTDOWN", "BOOTING")]
    assert transitions(gov.send(boot())) == [("BOOTING", "RUNNING")]


def test_shutdown_when_paused_manually_restarts_paused() -> None:
    gov = Harness.start()
    gov.send(PauseRequested(idempotency_key="p", actor="ops"))
    gov.state, _ = shutdown(gov.state, "SIGTERM")
    assert transitions(gov.advance(T0 + MIN)) == [("SHUTDOWN", "PAUSED_MANUAL")]


def test_resume_when_booting_after_restart_with_earlier_passing_boot_is_accepted() -> None:
    gov = Harness.start()
    gov.state, _ = shutdown(gov.state, "SIGTERM")
    gov.advance(T0 + MIN)
    out = gov.send(ResumeRequested(idempotency_key="r", actor="ops"))
    assert transitions(out) == [("BOOTING", "RUNNING")]


def test_heartbeat_when_idle_is_emitted_every_5_seconds_with_full_risk_picture() -> None:
    gov = Harness.start()
    beats = of(gov.advance(T0 + 20_000), Heartbeat)
    assert len(beats) == 4
    beat = beats[-1]
    assert beat.status == BotStatus.RUNNING
    assert (beat.day, beat.tz, beat.trades_left) == ("2025-06-02", "Africa/Johannesburg", 10)
    assert beat.equity == beat.day_start_equity == Decimal(1350)
    assert beat.daily_loss_remaining == Decimal("20.25")  # 1.5% of 1350


def test_heartbeat_when_state_changes_is_emitted_at_once() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    out = gov.send(opened(approved, T0 + 100), T0 + 100)
    (beat,) = of(out, Heartbeat)
    assert beat.open_positions == (f"{approved.setup_id}:open",)
    assert beat.trades_today == 1


def test_config_published_when_received_applies_new_version_to_next_approval_only() -> None:
    gov = Harness.start()
    first = gov.approve(setup())
    gov.send(opened(first, T0 + 100), T0 + 100)
    new = config(version=2, leverage=3, execution={"sl_pct": 0.004})
    out = gov.send(ConfigPublished(idempotency_key="c2", actor="ops", version=2, config=new), T0 + 200)
    assert result(out).outcome == "accepted"
    assert not of(out, EntryApproved) and not of(out, FlattenOrdered)  # the open position is left alone
    assert gov.state.config.version == 2


def test_daily_counters_reset_when_requested_by_admin_announces_reset_with_actor() -> None:
    gov = Harness.start()
    gov.approve(setup())
    out = gov.send(DailyCountersResetRequested(idempotency_key="d1", actor="admin"))
    (reset,) = of(out, DailyCountersReset)
    assert (reset.actor, reset.day, reset.tz) == ("admin", "2025-06-02", "Africa/Johannesburg")
    assert gov.state.trades_today == 0


def test_snapshot_when_restored_gives_an_equal_state() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    gov.send(opened(approved, T0 + MIN), T0 + MIN)
    gov.send(PauseRequested(idempotency_key="p", actor="ops"))
    raw = gov.core.snapshot(gov.state)
    assert gov.core.restore(raw) == gov.state
    assert gov.core.snapshot(gov.core.restore(raw)) == raw
