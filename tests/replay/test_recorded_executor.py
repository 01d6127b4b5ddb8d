"""The executor core as a recorded session ran it (replay/recorded_executor.py): paper with the filters its
boot announced, live when the venue's answers are in the record."""

from __future__ import annotations

from decimal import Decimal

from replay.recorded_executor import executor_as_recorded
from runtime.core import Emit, envelopes
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.orders import BootChecksCompleted, CheckResult, OrderAccepted, SymbolFilters


def boot(venue: str, source: str, ok: bool = True) -> Envelope:
    filters = SymbolFilters(symbol="BTCUSDT", tick_size=Decimal("0.5"), step_size=Decimal("0.01"),
                            min_qty=Decimal("0.01"), min_notional=Decimal(50), maker_fee_rate=Decimal("0.0001"),
                            taker_fee_rate=Decimal("0.0004"))
    payload = BootChecksCompleted(ok=True, venue=venue, filters=(filters,), checks=(
        CheckResult(name="filters", ok=ok, detail=source),))
    return envelopes([Emit(payload)], source="executor", cause_id="t", now=1)[0]


def venue_answer() -> Envelope:
    payload: Payload = OrderAccepted(client_order_id="lf-x-el", setup_id="S", symbol="BTCUSDT",
                                     exchange_order_id="1")
    return envelopes([Emit(payload)], source="executor-venue", cause_id="v", now=2)[0]


def test_executor_as_recorded_when_paper_takes_the_filters_its_boot_announced() -> None:
    core = executor_as_recorded(BotConfig(symbols=["BTCUSDT"]), [boot("paper", "exchangeInfo of http://sim")])
    assert core is not None
    state = core.initial_state()
    assert state.mode == "paper" and state.filters["BTCUSDT"].tick_size == Decimal("0.5")
    announced = core.on_timer(state, 5).emits[0].payload
    assert isinstance(announced, BootChecksCompleted)
    assert announced.filters == boot("paper", "x").payload.filters  # type: ignore[attr-defined]
    assert [c.detail for c in announced.checks if c.name == "filters"] == ["exchangeInfo of http://sim"]
    booted = core.on_timer(state, 5).state
    assert not core.restore(core.snapshot(booted)).booted  # a restart boots again, as the paper runner's does


def test_executor_as_recorded_when_the_venue_answered_is_the_live_core_and_otherwise_none() -> None:
    live = executor_as_recorded(BotConfig(), [boot("live", "x"), venue_answer()])
    assert live is not None and live.initial_state().mode == "live" and "executions" in live.inputs
    assert executor_as_recorded(BotConfig(), []) is None


def test_executor_as_recorded_when_the_boot_missed_filters_announces_the_same_check_again() -> None:
    config = BotConfig(symbols=["BTCUSDT", "ETHUSDT"])
    recorded = boot("paper", "exchangeInfo of http://sim; missing ['ETHUSDT']", ok=False)
    core = executor_as_recorded(config, [recorded])
    assert core is not None
    announced = core.on_timer(core.initial_state(), 5).emits[0].payload
    assert isinstance(announced, BootChecksCompleted) and not announced.ok
    assert [c for c in announced.checks if c.name == "filters"] == [
        CheckResult(name="filters", ok=False, detail="exchangeInfo of http://sim; missing ['ETHUSDT']")]
