"""The spike detector: window edges, crossings and re-arming, sides, symbols, disorder and bursts."""

from __future__ import annotations

from decimal import Decimal

from strategy.detector import observe
from strategy.state import Window
from tests.strategy.builders import T0, config, detected, liq, run

W = 60_000
THRESHOLD = Decimal(100_000)


def test_observe_when_entries_exactly_w_apart_drops_the_older_one() -> None:
    window = Window()
    assert observe(window, 1_000, Decimal(60_000), W, THRESHOLD) is None
    assert observe(window, 1_000 + W, Decimal(50_000), W, THRESHOLD) is None  # (T - w, T]: 1_000 is out
    assert [ts for ts, _ in window.entries] == [1_000 + W]
    assert window.total == Decimal(50_000)


def test_observe_when_entries_one_ms_inside_w_crosses() -> None:
    window = Window()
    observe(window, 1_000, Decimal(60_000), W, THRESHOLD)
    crossing = observe(window, 1_000 + W - 1, Decimal(50_000), W, THRESHOLD)
    assert crossing is not None
    assert (crossing.liq_usd, crossing.liq_count, crossing.window_start_ts) == (Decimal(110_000), 2, 1_000)
    assert crossing.trigger_ts == 1_000 + W - 1


def test_observe_when_sum_reaches_threshold_exactly_crosses() -> None:
    window = Window()
    observe(window, 0, Decimal(40_000), W, THRESHOLD)
    assert observe(window, 10, Decimal(60_000), W, THRESHOLD) is not None


def test_observe_when_sum_stays_above_fires_once_per_crossing() -> None:
    window = Window()
    crossings = [observe(window, k * 1_000, Decimal(60_000), W, THRESHOLD) for k in range(10)]
    assert [c is not None for c in crossings] == [False, True] + [False] * 8


def test_observe_when_sum_falls_below_rearms_and_fires_again() -> None:
    window = Window()
    observe(window, 0, Decimal(60_000), W, THRESHOLD)
    assert observe(window, 1_000, Decimal(60_000), W, THRESHOLD) is not None
    # at 61_000 both are out: the sum fell to 0 in between, so this crossing is a new one
    assert observe(window, 61_000, Decimal(30_000), W, THRESHOLD) is None
    assert window.armed
    second = observe(window, 62_000, Decimal(80_000), W, THRESHOLD)
    assert second is not None and second.liq_usd == Decimal(110_000) and second.window_start_ts == 61_000


def test_observe_when_sliding_window_never_dips_below_does_not_rearm() -> None:
    window = Window()
    fired = [observe(window, k * 30_000, Decimal(60_000), W, THRESHOLD) is not None for k in range(6)]
    # each arrival evicts one 60k and adds one: the sum before adding is 60k (< 100k), so it re-arms
    assert fired == [False, True, True, True, True, True]
    window2 = Window()
    fired2 = [observe(window2, k * 20_000, Decimal(60_000), W, THRESHOLD) is not None for k in range(6)]
    # here two entries always remain (120k >= 100k) before adding: no re-arm after the first crossing
    assert fired2 == [False, True, False, False, False, False]


def test_observe_when_a_few_ms_out_of_order_keeps_the_window_sorted_and_exact() -> None:
    window = Window()
    observe(window, 10_005, Decimal(30_000), W, THRESHOLD)
    observe(window, 10_003, Decimal(30_000), W, THRESHOLD)  # 2 ms late
    crossing = observe(window, 10_004, Decimal(40_000), W, THRESHOLD)
    assert [ts for ts, _ in window.entries] == [10_003, 10_004, 10_005]
    assert crossing is not None
    assert crossing.trigger_ts == 10_004 and crossing.window_start_ts == 10_003
    # the right edge is the latest time seen (10_005): 10_003 + W leaves 10_003 out, not 10_004
    observe(window, 10_003 + W, Decimal(1), W, THRESHOLD)
    assert [ts for ts, _ in window.entries] == [10_004, 10_005, 10_003 + W]
    assert window.total == Decimal(70_001)


def test_observe_when_entry_older_than_the_window_arrives_drops_it() -> None:
    window = Window()
    observe(window, 100_000, Decimal(10), W, THRESHOLD)
    assert observe(window, 100_000 - W, Decimal(200_000), W, THRESHOLD) is None
    assert window.total == Decimal(10)


def test_observe_when_out_of_order_recrossing_reuses_a_trigger_time_takes_the_next_ms() -> None:
    window = Window()
    observe(window, 0, Decimal(100_000), W, THRESHOLD)  # fires at 0
    observe(window, 60_000, Decimal(1), W, THRESHOLD)  # evicts 0: re-armed
    late = observe(window, 1, Decimal(100_000), W, THRESHOLD)  # 1 > 60_000 - W: still inside
    assert late is not None and late.trigger_ts == 1
    window.last_trigger = 5
    window.armed = True
    window.entries.clear()
    window.total = Decimal(0)
    again = observe(window, 3, Decimal(100_000), W, THRESHOLD)
    assert again is not None and again.trigger_ts == 6


def test_detector_when_burst_of_identical_timestamps_fires_once_with_exact_sum() -> None:
    burst = [liq(T0, "33333.333333333333"), liq(T0, "33333.333333333333"), liq(T0, "33333.333333333334"),
             liq(T0, "5000.1"), liq(T0, "7")]
    out = detected(run(burst))
    assert len(out) == 1
    assert out[0].setup_id == f"BTCUSDT-LONG-{T0}"
    assert out[0].liq_usd == Decimal("100000") and out[0].liq_count == 3
    assert out[0].trigger_ts == T0 == out[0].window_start_ts


def test_detector_when_both_sides_spike_gives_long_for_sells_and_short_for_buys() -> None:
    events = [liq(T0, 60_000, "SELL"), liq(T0 + 1, 60_000, "BUY"), liq(T0 + 2, 60_000, "SELL"),
              liq(T0 + 3, 60_000, "BUY")]
    out = detected(run(events))
    assert [(d.setup_id, d.side, d.liq_usd) for d in out] == [
        (f"BTCUSDT-LONG-{T0 + 2}", "LONG", Decimal(120_000)),
        (f"BTCUSDT-SHORT-{T0 + 3}", "SHORT", Decimal(120_000)),
    ]


def test_detector_when_symbols_have_their_own_thresholds_uses_each() -> None:
    events = [liq(T0, 120_000, symbol="BTCUSDT"), liq(T0, 120_000, symbol="ETHUSDT"),
              liq(T0 + 1_000, 40_000, symbol="ETHUSDT")]
    out = detected(run(events, config(min_liq_usd={"BTCUSDT": 100_000, "ETHUSDT": 150_000})))
    assert [(d.symbol, d.threshold_usd, d.liq_usd, d.trigger_ts) for d in out] == [
        ("BTCUSDT", Decimal(100_000), Decimal(120_000), T0),
        ("ETHUSDT", Decimal(150_000), Decimal(160_000), T0 + 1_000),
    ]


def test_detector_when_symbol_has_no_threshold_ignores_it() -> None:
    assert detected(run([liq(T0, 10**9, symbol="SOLUSDT")])) == []


def test_detector_when_window_is_configured_uses_its_width() -> None:
    events = [liq(T0, 60_000), liq(T0 + 30_000, 60_000)]
    assert detected(run(events, config(liq_window_seconds=30))) == []
    assert len(detected(run(events, config(liq_window_seconds=31)))) == 1
