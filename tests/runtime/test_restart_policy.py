"""Restart backoff and the repeated-deaths alert."""

from __future__ import annotations

from runtime.restart_policy import RestartPolicy


def test_restart_when_dying_in_a_row_backs_off_to_the_cap() -> None:
    policy = RestartPolicy(base_s=1, cap_s=8)
    delays = [policy.on_exit("strategy", ran_s=2, now=t).delay_s for t in range(6)]
    assert delays == [1, 2, 4, 8, 8, 8]


def test_restart_when_the_process_ran_long_enough_starts_the_backoff_again() -> None:
    policy = RestartPolicy(base_s=1, healthy_after_s=60)
    policy.on_exit("api", ran_s=1, now=0)
    policy.on_exit("api", ran_s=1, now=5)
    assert policy.on_exit("api", ran_s=120, now=200).delay_s == 1


def test_alert_when_deaths_reach_the_threshold_in_the_window_is_raised_once_per_window() -> None:
    policy = RestartPolicy(alert_after=3, window_s=600)
    alerts = [policy.on_exit("executor", ran_s=1, now=t).alert for t in (0, 10, 20, 30, 700, 1300)]
    assert alerts == [False, False, True, False, False, False]
    assert [policy.on_exit("executor", ran_s=1, now=t).alert for t in (1310, 1320)] == [False, True]


def test_deaths_when_of_another_process_do_not_count() -> None:
    policy = RestartPolicy(alert_after=2)
    policy.on_exit("ingest", ran_s=1, now=0)
    restart = policy.on_exit("api", ran_s=1, now=1)
    assert (restart.deaths_in_window, restart.alert, restart.delay_s) == (1, False, 1)
