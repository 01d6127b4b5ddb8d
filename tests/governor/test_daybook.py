"""The trading day: midnight in Africa/Johannesburg (UTC+2, no DST) or UTC, never a 24 h stride."""

from __future__ import annotations

import pytest

from governor.daybook import day_of, next_day_start_ms
from schemas.risk import DailyCountersReset
from tests.governor.factories import Harness, config, envelope, of, setup, utc_ms

BEFORE = utc_ms("2025-06-02T21:59:59")
AT = utc_ms("2025-06-02T22:00:00")


def test_day_of_when_johannesburg_21_59_59_and_22_00_00_utc_are_different_days() -> None:
    assert day_of(BEFORE, "Africa/Johannesburg") == "2025-06-02"
    assert day_of(AT, "Africa/Johannesburg") == "2025-06-03"


def test_day_of_when_utc_21_59_59_and_22_00_00_are_the_same_day() -> None:
    assert day_of(BEFORE, "UTC") == day_of(AT, "UTC") == "2025-06-02"


@pytest.mark.parametrize(("tz", "expected"), [("Africa/Johannesburg", "2025-06-02T22:00:00"),
                                              ("UTC", "2025-06-03T00:00:00")])
def test_next_day_start_when_mid_morning_is_the_coming_local_midnight(tz: str, expected: str) -> None:
    assert next_day_start_ms(utc_ms("2025-06-02T08:00:00"), tz) == utc_ms(expected)


def test_next_day_start_when_exactly_midnight_is_the_following_midnight() -> None:
    assert next_day_start_ms(AT, "Africa/Johannesburg") == utc_ms("2025-06-03T22:00:00")


def test_next_day_start_when_zone_changes_clocks_is_local_midnight_not_24_hours_later() -> None:
    # the function is zone-generic: across London's spring-forward the day has 23 hours
    start = utc_ms("2025-03-30T00:00:00")
    assert next_day_start_ms(start, "Europe/London") == utc_ms("2025-03-30T23:00:00")


@pytest.mark.parametrize(("tz", "reset_at"), [("Africa/Johannesburg", AT), ("UTC", utc_ms("2025-06-03T00:00:00"))])
def test_governor_when_day_boundary_passes_resets_counters_at_local_midnight(tz: str, reset_at: int) -> None:
    gov = Harness.start(config(day_boundary_tz=tz), at=utc_ms("2025-06-02T21:00:00"))
    gov.trade(setup(ts=BEFORE - 60_000), "1", BEFORE - 60_000)
    assert gov.state.trades_today == 1
    assert not of(gov.advance(reset_at - 1), DailyCountersReset)
    (reset,) = of(gov.advance(reset_at), DailyCountersReset)
    assert (reset.tz, reset.actor, reset.day) == (tz, "governor", "2025-06-03")
    assert gov.state.trades_today == 0


def test_governor_when_events_arrive_either_side_of_22_utc_in_johannesburg_counts_two_days() -> None:
    gov = Harness.start(config(day_boundary_tz="Africa/Johannesburg"), at=utc_ms("2025-06-02T21:00:00"))
    gov.send(setup(ts=BEFORE), BEFORE)
    assert (gov.state.day, gov.state.trades_today) == ("2025-06-02", 1)
    out = gov.send(setup("ETHUSDT", ts=AT), AT)  # the timer was not run: the event itself rolls the day
    assert of(gov.outputs, DailyCountersReset)[0].day == "2025-06-03"
    assert gov.state.day == "2025-06-03"
    assert out  # vetoed (BTC still in flight), but on the new day's counters
    assert gov.state.trades_today == 0


def test_governor_when_timers_run_over_several_days_resets_at_each_midnight() -> None:
    gov = Harness.start(config(day_boundary_tz="UTC"))
    gov.advance(utc_ms("2025-06-05T12:00:00"))
    assert [r.day for r in of(gov.outputs, DailyCountersReset)] == ["2025-06-03", "2025-06-04", "2025-06-05"]


def test_governor_when_wall_clock_jumps_several_days_resets_once_to_the_current_day() -> None:
    gov = Harness.start(config(day_boundary_tz="UTC"))
    later = utc_ms("2025-06-05T12:00:00")
    decision = gov.core.decide(gov.state, envelope(setup(ts=later), later), later)
    assert [p.day for p in of([e.payload for e in decision.emits], DailyCountersReset)] == ["2025-06-05"]
