"""Invariants over generated market streams: one end per setup, unique ids, snapshots change nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.core import Emit
from schemas.envelope import Envelope
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from strategy.core import make_core
from tests.strategy.builders import MIN, T0, book, candle, closed_trade, config, history, liq, recovered, run, stale

_liq = st.tuples(st.just("liq"), st.integers(0, 8_000), st.sampled_from(["SELL", "BUY"]),
                st.sampled_from(["BTCUSDT", "ETHUSDT"]), st.integers(20_000, 90_000))
# (low, extra high, volume, a fresh book ticker just before the close)
_candle = st.tuples(st.just("candle"), st.integers(95, 105), st.integers(0, 3),
                    st.sampled_from([10, 10, 10, 50]), st.booleans())
_kinds = {
    "liq": _liq, "candle": _candle,
    "book": st.tuples(st.just("book"), st.integers(1, 5)),
    "stale": st.tuples(st.just("stale"), st.sampled_from(["book", "kline"])),
    "recovered": st.tuples(st.just("recovered"), st.sampled_from(["book", "kline"])),
    "trade": st.tuples(st.just("trade")),
}
# mostly liquidations and candles, so setups get far enough to confirm, supersede and expire
_weights = ["liq"] * 12 + ["candle"] * 14 + ["book", "stale", "recovered", "recovered", "trade"]
step = st.sampled_from(_weights).flatmap(lambda kind: _kinds[kind])


def build(steps: list[tuple[object, ...]]) -> list[Envelope]:
    """Turn generated steps into a time-ordered stream: liquidations move time forward, candles close the
    current minute (so they stay contiguous), the rest happen at the current time."""
    events = history(T0, 3)
    now, next_open = T0, T0
    for s in steps:
        kind = s[0]
        if kind == "liq":
            now += int(s[1])  # type: ignore[call-overload]
            events.append(liq(now, s[4], s[2], s[3]))  # type: ignore[arg-type]
        elif kind == "candle":
            low = int(s[1])  # type: ignore[call-overload]
            close_ts = max(now, next_open + MIN - 1)
            next_open = close_ts - close_ts % MIN
            if s[4]:
                events.append(book(next_open + MIN - 1))
            high = low + 2 + int(s[2])  # type: ignore[call-overload]
            events.append(candle(next_open, low + 1, high, low, low + 1, int(s[3])))  # type: ignore[call-overload]
            now, next_open = next_open + MIN - 1, next_open + MIN
        elif kind == "book":
            events.append(book(now, ask=f"100.0{s[1]}"))
        elif kind == "stale":
            events.append(stale(now, s[1]))  # type: ignore[arg-type]
        elif kind == "recovered":
            events.append(recovered(now, s[1]))  # type: ignore[arg-type]
        else:
            events.append(closed_trade(now))
    return sorted(events, key=lambda e: e.ts)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, min_size=10, max_size=80))
def test_every_detected_setup_ends_exactly_once_with_a_unique_id(steps: list[tuple[object, ...]]) -> None:
    events = build(steps)
    out = run(events, config(), until=events[-1].ts + 700_000)
    ids = [e.payload.setup_id for e in out if isinstance(e.payload, SetupDetected)]
    ends = [e.payload.setup_id for e in out if isinstance(e.payload, SetupConfirmed | SetupRejected)]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(ends)
    for e in out:
        assert e.correlation_id == e.payload.setup_id  # type: ignore[attr-defined]


@settings(max_examples=75, deadline=None)
@given(st.lists(step, max_size=60), st.integers(1, 7))
def test_snapshot_and_restore_between_events_changes_no_output(steps: list[tuple[object, ...]], every: int) -> None:
    events = build(steps)
    core = make_core(config())
    straight: list[Emit] = []
    state = core.initial_state()
    for e in events:
        decision = core.decide(state, e, e.ts)
        state, straight = decision.state, straight + list(decision.emits)
    restored: list[Emit] = []
    state = core.initial_state()
    for k, e in enumerate(events):
        if k % every == 0:
            state = make_core(config()).restore(core.snapshot(state))
        decision = core.decide(state, e, e.ts)
        state, restored = decision.state, restored + list(decision.emits)
    assert [x.payload for x in restored] == [x.payload for x in straight]
