"""A setup's life through the core: volume, exhaustion, expiry, spread, book, cooldown, feed, config."""

from __future__ import annotations

from decimal import Decimal

from runtime.core import Emit
from schemas.envelope import Envelope, Payload
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.types import RejectReason
from strategy.core import make_core
from tests.strategy.builders import (
    MIN,
    T0,
    book,
    candle,
    closed_trade,
    config,
    confirmed,
    detected,
    forming,
    history,
    liq,
    published,
    recovered,
    rejected,
    run,
    spike_scenario,
    stale,
)

SETUP = f"BTCUSDT-LONG-{T0 + 5_000}"


def only_rejection(outputs: list[Envelope]) -> SetupRejected:
    found = rejected(outputs)
    assert len(found) == 1 and confirmed(outputs) == []
    return found[0]


def test_setup_when_volume_and_exhaustion_hold_confirms_at_the_second_quiet_candle() -> None:
    out = run(spike_scenario())
    assert [type(e.payload).__name__ for e in out] == ["SetupDetected", "SetupConfirmed"]
    c = confirmed(out)[0]
    assert out[1].ts == T0 + 3 * MIN - 1 and out[1].correlation_id == SETUP
    assert (c.setup_id, c.side, c.liq_usd, c.volume, c.avg_volume) == (
        SETUP, "LONG", Decimal(120_000), Decimal(50), Decimal(10))
    assert c.volume_mult == 5.0 and c.extreme_price == Decimal(96) and c.exhaustion_candles == 2
    assert c.impulse_move_pct == 4.0  # open 100 -> low 96
    assert (c.bid, c.ask) == (Decimal("99.99"), Decimal("100.01"))
    assert abs(c.spread_bps - 2.0) < 1e-9


def test_setup_when_spike_candle_volume_is_low_rejects_volume_at_its_close() -> None:
    out = run(spike_scenario(spike_volume=19.99))
    r = only_rejection(out)
    assert r.reason == RejectReason.VOLUME and r.measured["volume"] == "19.99"
    assert r.measured["avg_volume"] == "10" and r.measured["required_mult"] == "2.0"
    assert out[-1].ts == T0 + MIN - 1


def test_setup_when_lookback_is_not_full_rejects_volume_with_the_count() -> None:
    events = [e for e in spike_scenario() if e.ts >= T0 - MIN]  # only one lookback candle kept
    r = only_rejection(run(events))
    assert r.reason == RejectReason.VOLUME
    assert r.measured == {"lookback_candles": "1", "required": "3"}
    assert "lookback not full" in r.detail


def test_setup_when_lookback_has_a_gap_rejects_volume() -> None:
    events = [e for e in spike_scenario() if e.ts != T0 - MIN - 1]  # drop the middle candle
    r = only_rejection(run(events))
    assert r.reason == RejectReason.VOLUME and r.measured["lookback_candles"] == "1"


def test_setup_when_forming_candle_crosses_passes_volume_before_the_close() -> None:
    events = spike_scenario(spike_volume=5)  # the close says 5 (impossible live, but shows which one counted)
    events.append(forming(T0, T0 + 20_000, volume=30))
    c = confirmed(run(events))[0]
    assert (c.volume, c.avg_volume) == (Decimal(30), Decimal(10))


def test_setup_when_forming_candle_is_below_waits_for_the_close() -> None:
    events = spike_scenario(spike_volume=19)
    events.append(forming(T0, T0 + 20_000, volume=15))
    assert only_rejection(run(events)).reason == RejectReason.VOLUME


def test_exhaustion_when_a_new_extreme_appears_resets_the_count() -> None:
    out = run(spike_scenario(lows=(97, 95, 96, 95.5, 99)))  # 97 quiet, 95 new low, 96 & 95.5 quiet
    c = confirmed(out)[0]
    assert c.extreme_price == Decimal(95) and c.exhaustion_candles == 2
    assert out[-1].ts == T0 + 5 * MIN - 1


def test_exhaustion_when_equal_low_is_not_a_new_extreme() -> None:
    c = confirmed(run(spike_scenario(lows=(96, 96))))[0]
    assert c.extreme_price == Decimal(96)


def test_exhaustion_for_short_setups_tracks_the_high() -> None:
    events = [*history(T0, 3), liq(T0 + 5_000, 120_000, side="BUY"), candle(T0, 100, 104, 100, 103, 50),
              book(T0 + 2 * MIN - 1), candle(T0 + MIN, 103, 105, 102, 104),
              book(T0 + 3 * MIN - 1), candle(T0 + 2 * MIN, 104, 104.5, 101, 102),
              book(T0 + 4 * MIN - 1), candle(T0 + 3 * MIN, 102, 103, 100, 101)]
    c = confirmed(run(events))[0]
    assert c.side == "SHORT" and c.extreme_price == Decimal(105) and abs(c.impulse_move_pct - 5.0) < 1e-9


def test_setup_when_no_exhaustion_within_max_age_rejects_no_exhaustion_on_the_timer() -> None:
    lows = [96 - k for k in range(1, 12)]  # a new low every minute
    out = run(spike_scenario(lows=lows), until=T0 + 5_000 + 600_000)
    r = only_rejection(out)
    assert r.reason == RejectReason.NO_EXHAUSTION and r.measured["required"] == "2"
    assert out[-1].ts == T0 + 5_000 + 600_000


def test_setup_when_max_age_passes_without_klines_rejects_volume() -> None:
    out = run([liq(T0 + 5_000, 200_000, symbol="ETHUSDT")], until=T0 + 10**7)
    r = only_rejection(out)
    assert r.reason == RejectReason.VOLUME and "not decided" in r.detail
    assert out[-1].ts == T0 + 5_000 + 600_000
    assert make_core(config()).next_deadline(make_core(config()).initial_state()) is None


def test_expiry_when_an_event_arrives_after_the_deadline_rejects_before_using_it() -> None:
    core = make_core(config(max_setup_age_seconds=120))
    state = core.initial_state()
    for e in [*history(T0, 3), liq(T0 + 5_000, 120_000), candle(T0, 100, 100, 96, 97, 50)]:
        state = core.decide(state, e, e.ts).state
    late = candle(T0 + MIN, 97, 99, 97, 98)
    decision = core.decide(state, late, T0 + 5_000 + 120_000)
    assert [type(e.payload) for e in decision.emits] == [SetupRejected]
    assert decision.emits[0].payload.reason == RejectReason.NO_EXHAUSTION  # type: ignore[attr-defined]


def test_confirmation_when_spread_is_too_wide_rejects_spread() -> None:
    r = only_rejection(run(spike_scenario(bid="99.98", ask="100.02")))  # 4 bps > 3
    assert r.reason == RejectReason.SPREAD and r.measured["max_spread_bps"] == "3"
    assert r.measured["spread_bps"] == "4.0000"


def test_confirmation_when_book_is_crossed_rejects_spread() -> None:
    assert only_rejection(run(spike_scenario(bid="100.02", ask="100.00"))).reason == RejectReason.SPREAD


def test_confirmation_when_book_is_older_than_stale_data_seconds_rejects_stale_book() -> None:
    events = [e for e in spike_scenario() if type(e.payload).__name__ != "BookTickerUpdated"]
    events.append(book(T0 + 3 * MIN - 1 - 10_001))
    r = only_rejection(run(events))
    assert r.reason == RejectReason.STALE_BOOK
    assert r.measured == {"book_age_ms": "10001", "max_age_ms": "10000"}


def test_confirmation_when_book_is_exactly_stale_data_seconds_old_confirms() -> None:
    events = [e for e in spike_scenario() if type(e.payload).__name__ != "BookTickerUpdated"]
    events.append(book(T0 + 3 * MIN - 1 - 10_000))
    assert len(confirmed(run(events))) == 1


def test_confirmation_when_no_book_was_ever_seen_rejects_stale_book() -> None:
    events = [e for e in spike_scenario() if type(e.payload).__name__ != "BookTickerUpdated"]
    assert only_rejection(run(events)).measured["book_age_ms"] == "none"


def test_detection_when_in_cooldown_after_a_trade_rejects_cooldown() -> None:
    events = [closed_trade(T0 - 290_000), *spike_scenario()]  # cooldown 300 s: until T0 + 10 s
    r = only_rejection(run(events))
    assert r.reason == RejectReason.COOLDOWN and r.measured["cooldown_until_ts"] == str(T0 + 10_000)


def test_confirmation_when_a_trade_closes_while_pending_rejects_cooldown() -> None:
    events = [*spike_scenario(), closed_trade(T0 + 2 * MIN)]
    assert only_rejection(run(events)).reason == RejectReason.COOLDOWN


def test_cooldown_when_it_has_ended_lets_the_setup_through() -> None:
    events = [closed_trade(T0 + 5_000 - 300_000), *spike_scenario()]
    assert len(confirmed(run(events))) == 1


def test_cooldown_when_the_trade_was_on_another_symbol_does_not_apply() -> None:
    events = [closed_trade(T0, symbol="ETHUSDT"), *spike_scenario()]
    assert len(confirmed(run(events))) == 1


def test_feed_stale_when_a_setup_is_pending_rejects_it_at_once() -> None:
    out = run([*spike_scenario(), stale(T0 + 90_000, "kline")])
    r = only_rejection(out)
    assert r.reason == RejectReason.FEED_STALE and r.measured == {"stale": "kline"}
    assert out[-1].ts == T0 + 90_000


def test_feed_stale_when_a_spike_arrives_rejects_it_until_recovered() -> None:
    events = [stale(T0, "book"), *spike_scenario()]
    assert only_rejection(run(events)).reason == RejectReason.FEED_STALE
    events.append(recovered(T0 + 1_000, "book"))
    assert len(confirmed(run(events))) == 1


def test_feed_stale_for_liquidations_or_another_symbol_is_ignored() -> None:
    events = [stale(T0, "liquidation"), stale(T0, "book", symbol="ETHUSDT"), *spike_scenario()]
    assert len(confirmed(run(events))) == 1


def test_config_change_when_threshold_is_raised_applies_to_the_next_spike() -> None:
    events = [published(T0, config(min_liq_usd={"BTCUSDT": 200_000, "ETHUSDT": 150_000})), *spike_scenario()]
    assert detected(run(events)) == []


def test_config_change_when_threshold_drops_below_the_current_sum_does_not_fire_by_itself() -> None:
    events = [liq(T0, 90_000), published(T0 + 1, config(min_liq_usd={"BTCUSDT": 50_000, "ETHUSDT": 1})),
              liq(T0 + 2, 1)]
    assert detected(run(events)) == []
    # once the sum has fallen below the new threshold, a crossing fires again
    events += [liq(T0 + 61_000, 60_000)]
    assert [d.liq_usd for d in detected(run(events))] == [Decimal(60_000)]


def test_config_change_when_a_symbol_is_disabled_rejects_its_pending_setup() -> None:
    only_eth = config(symbols=["ETHUSDT"], version=2)
    out = run([*spike_scenario(), published(T0 + 70_000, only_eth)])
    r = only_rejection(out)
    assert r.reason == RejectReason.SYMBOL_DISABLED and r.measured == {"config_version": "2"}


def test_detection_when_symbol_is_disabled_but_has_a_threshold_rejects_symbol_disabled() -> None:
    cfg = config(symbols=["ETHUSDT"])
    r = only_rejection(run(spike_scenario(), cfg))
    assert r.reason == RejectReason.SYMBOL_DISABLED


def test_config_change_when_exhaustion_candles_change_applies_to_the_pending_setup() -> None:
    events = [*spike_scenario(lows=(97, 98, 98.5)), published(T0 + 70_000, config(exhaustion_candles=3))]
    c = confirmed(run(events))[0]
    assert c.exhaustion_candles == 3


def test_second_setup_on_the_same_symbol_while_pending_is_rejected_superseded() -> None:
    events = [*spike_scenario(), liq(T0 + 70_000, 130_000, side="BUY")]
    out = run(events)
    assert [d.setup_id for d in detected(out)] == [SETUP, f"BTCUSDT-SHORT-{T0 + 70_000}"]
    r = rejected(out)
    assert len(r) == 1 and r[0].reason == RejectReason.SUPERSEDED
    assert r[0].measured == {"pending_setup_id": SETUP}
    assert confirmed(out)[0].setup_id == SETUP  # the first one carries on


def test_setups_on_different_symbols_are_pending_together() -> None:
    events = [*spike_scenario(), liq(T0 + 6_000, 160_000, symbol="ETHUSDT")]
    out = run(events, until=T0 + 10**7)
    assert len(confirmed(out)) == 1 and rejected(out)[0].setup_id.startswith("ETHUSDT")


def test_momentum_variant_when_bodies_do_not_shrink_rejects_momentum() -> None:
    cfg = config(momentum=True)
    # bodies: spike |97-100| = 3, then |98.5-97| = 1.5 twice: not strictly shrinking
    r = only_rejection(run(spike_scenario(), cfg))
    assert r.reason == RejectReason.MOMENTUM and r.measured == {"bodies": "3,1.5,1.5"}


def test_momentum_variant_when_bodies_shrink_confirms() -> None:
    cfg = config(momentum=True)
    events = [*history(T0, 3), liq(T0 + 5_000, 120_000), candle(T0, 100, 100, 96, 97, 50),
              book(T0 + 2 * MIN - 1), candle(T0 + MIN, 97, 99, 97, 98.5),
              book(T0 + 3 * MIN - 1), candle(T0 + 2 * MIN, 98.5, 99, 98, 98)]
    assert len(confirmed(run(events, cfg))) == 1


def test_late_liquidation_after_its_candle_closed_decides_on_the_closed_candle() -> None:
    events = spike_scenario()
    spike = next(e for e in events if type(e.payload).__name__ == "LiquidationObserved")
    events.remove(spike)
    core = make_core(config())
    state = core.initial_state()
    ordered = sorted(events, key=lambda e: e.ts)
    outputs: list[Payload] = []
    for e in ordered:
        if e.ts == T0 + MIN - 1:  # the spike candle closes first, the liquidation arrives after it
            state = core.decide(state, e, e.ts).state
            decision = core.decide(state, spike, T0 + MIN + 200)
            state = decision.state
            outputs.extend(em.payload for em in decision.emits)
            continue
        decision = core.decide(state, e, e.ts)
        state = decision.state
        outputs.extend(em.payload for em in decision.emits)
    assert [type(p) for p in outputs] == [SetupDetected, SetupConfirmed]


def test_no_look_ahead_when_forming_candle_makes_a_new_low_the_count_ignores_it() -> None:
    events = spike_scenario()
    events.append(forming(T0 + 2 * MIN, T0 + 2 * MIN + 30_000, volume=1, price=90))  # not closed: unused
    c = confirmed(run(events))[0]
    assert c.extreme_price == Decimal(96)


def test_every_setup_ends_exactly_once() -> None:
    events = [*spike_scenario(), liq(T0 + 70_000, 130_000, side="BUY"),
              liq(T0 + 1_000_000, 150_000, symbol="ETHUSDT"), liq(T0 + 1_000_001, 150_000, side="BUY")]
    out = run(events, until=T0 + 10**7)
    ids = [d.setup_id for d in detected(out)]
    ends = [p.setup_id for p in [*rejected(out), *confirmed(out)]]
    assert len(ids) == 4 and sorted(ids) == sorted(ends)


def test_snapshot_when_restored_midway_continues_identically() -> None:
    events = sorted(spike_scenario(lows=(97, 95, 96, 95.5)), key=lambda e: e.ts)
    core = make_core(config())
    straight = run(events, core=core)
    state = core.initial_state()
    outputs: list[Emit] = []
    for k, e in enumerate(events):
        if k % 3 == 0:
            raw = core.snapshot(state)
            state = make_core(config()).restore(raw)
            assert core.snapshot(state) == raw
        decision = core.decide(state, e, e.ts)
        state = decision.state
        outputs.extend(decision.emits)
    assert [o.payload for o in outputs] == [e.payload for e in straight]
    assert len(core.snapshot(state)) < 8_000
