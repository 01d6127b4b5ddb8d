"""Every risk limit (seed §2.6, DESIGN §5): daily loss, loss streak, max trades, positions in flight,
cooldown, stale feed, disabled symbols, config changes, equity."""

from __future__ import annotations

from decimal import Decimal

from schemas.commands import ConfigPublished, DailyCountersResetRequested, FlattenRequested, ResumeRequested
from schemas.feed import FeedRecovered, FeedStale
from schemas.risk import (
    BotStateChanged,
    ControlActionResult,
    DailyCountersReset,
    EntryApproved,
    FlattenOrdered,
    RiskLimitHit,
    SignalVetoed,
)
from schemas.types import BotStatus, RejectReason
from tests.governor.factories import (
    BTC,
    MIN,
    T0,
    Harness,
    account,
    boot,
    canceled,
    closed,
    config,
    entry_order,
    filled,
    of,
    opened,
    rejected,
    setup,
    transitions,
)


def veto_reason(gov: Harness, at: int, symbol: str = "BTCUSDT") -> RejectReason:
    out = gov.send(setup(symbol, ts=at), at)  # type: ignore[arg-type]
    vetoes = of(out, SignalVetoed)
    assert vetoes, f"expected a veto, got {out}"
    return vetoes[0].reason


def refusal(gov: Harness, key: str) -> ControlActionResult:
    (answer,) = of(gov.send(ResumeRequested(idempotency_key=key, actor="ops")), ControlActionResult)
    return answer


# --- daily loss ----------------------------------------------------------------------------------


def test_daily_loss_when_crossed_with_a_position_still_open_stops_entries_and_leaves_exits_alone() -> None:
    gov = Harness.start()
    btc = gov.approve(setup("BTCUSDT"))
    gov.send(opened(btc, T0 + 1_000), T0 + 1_000)
    # a second position the executor adopted at reconcile: the governor counts it, it did not approve it
    adopted = opened(btc, T0 + 2_000).model_copy(update={"setup_id": "ETHUSDT-SHORT-adopted", "symbol": "ETHUSDT"})
    gov.send(adopted, T0 + 2_000)
    out = gov.send(closed(btc, "-20.25", T0 + MIN), T0 + MIN)  # 1.5% of 1,350, fees included
    (hit,) = of(out, RiskLimitHit)
    assert hit.limit == "daily_loss" and hit.until_ts == gov.state.next_day_ms
    assert transitions(out) == [("RUNNING", "PAUSED_RISK_LIMIT")]
    assert not of(out, FlattenOrdered)  # the open ETH position keeps its exchange-side exits
    assert "ETHUSDT-SHORT-adopted" in gov.state.entries
    assert veto_reason(gov, T0 + 20 * MIN, "ETHUSDT") == RejectReason.DAILY_LOSS_LIMIT
    # a later win does not lift the limit: only the next day does
    gov.send(closed(adopted, "5", T0 + 21 * MIN), T0 + 21 * MIN)
    assert gov.state.status == BotStatus.PAUSED_RISK_LIMIT
    assert refusal(gov, "r1").outcome == "refused"


def test_daily_loss_when_just_below_limit_keeps_running_and_shrinks_the_next_size() -> None:
    gov = Harness.start(config(leverage=3))
    gov.trade(setup("BTCUSDT"), "-19.25", T0)  # 1.00 USDT of the 20.25 budget left
    assert gov.state.status == BotStatus.RUNNING
    approved = gov.approve(setup("ETHUSDT", ts=T0 + 10 * MIN), T0 + 10 * MIN)
    assert approved.risk_usdt <= Decimal("1.00")


def test_daily_loss_when_next_day_starts_resumes_by_itself() -> None:
    gov = Harness.start()
    gov.trade(setup(), "-25", T0)
    midnight_jnb = T0 + 14 * 60 * MIN  # 08:00 UTC + 14 h = 22:00 UTC = 00:00 Johannesburg
    out = gov.advance(midnight_jnb)
    assert of(out, DailyCountersReset)[0].day == "2025-06-03"
    assert ("PAUSED_RISK_LIMIT", "RUNNING") in transitions(out)
    assert gov.state.day_start_equity == Decimal(1350) - Decimal(25)  # paper equity tracked the loss


def test_daily_counters_reset_when_admin_requests_lifts_the_daily_loss_limit() -> None:
    gov = Harness.start()
    gov.trade(setup(), "-25", T0)
    out = gov.send(DailyCountersResetRequested(idempotency_key="d", actor="admin"), T0 + 2 * MIN)
    assert transitions(out) == [("PAUSED_RISK_LIMIT", "RUNNING")]


# --- loss streak ---------------------------------------------------------------------------------


def test_loss_streak_when_third_consecutive_loss_pauses_60_minutes_then_resumes_by_itself() -> None:
    gov = Harness.start()
    for n in range(2):
        gov.trade(setup("BTCUSDT", ts=T0 + n * 10 * MIN), "-2", T0 + n * 10 * MIN)
    assert gov.state.status == BotStatus.RUNNING
    third_close = T0 + 20 * MIN + MIN
    out = gov.trade(setup("BTCUSDT", ts=T0 + 20 * MIN), "-2", T0 + 20 * MIN)
    (hit,) = of(out, RiskLimitHit)
    assert (hit.limit, hit.until_ts) == ("consecutive_losses", third_close + 60 * MIN)
    assert transitions(out) == [("RUNNING", "PAUSED_RISK_LIMIT")]
    assert veto_reason(gov, third_close + 30 * MIN, "ETHUSDT") == RejectReason.LOSS_STREAK_PAUSE
    refused = refusal(gov, "r1")
    assert refused.outcome == "refused" and "3 consecutive losses" in refused.reason
    assert not transitions(gov.advance(third_close + 60 * MIN - 1))
    (back,) = of(gov.advance(third_close + 60 * MIN), BotStateChanged)
    assert (back.to_state, back.actor, back.cause) == ("RUNNING", "governor", "risk limits cleared")
    assert gov.state.consecutive_losses == 0
    assert of(gov.send(setup("BTCUSDT", ts=third_close + 61 * MIN)), EntryApproved)


def test_loss_streak_when_a_win_comes_between_losses_does_not_pause() -> None:
    gov = Harness.start()
    for n, pnl in enumerate(["-2", "-2", "1", "-2", "-2"]):
        gov.trade(setup(ts=T0 + n * 10 * MIN), pnl, T0 + n * 10 * MIN)
    assert gov.state.status == BotStatus.RUNNING and gov.state.consecutive_losses == 2


# --- max trades ----------------------------------------------------------------------------------


def test_max_trades_when_eleventh_signal_of_the_day_is_vetoed_until_the_next_day() -> None:
    gov = Harness.start()
    for n in range(10):
        gov.trade(setup(ts=T0 + n * 10 * MIN), "1", T0 + n * 10 * MIN)
    assert gov.state.trades_today == 10
    assert gov.state.status == BotStatus.PAUSED_RISK_LIMIT
    assert of(gov.outputs, RiskLimitHit)[0].limit == "max_trades"
    assert veto_reason(gov, T0 + 110 * MIN) == RejectReason.MAX_TRADES
    assert refusal(gov, "r").outcome == "refused"
    assert ("PAUSED_RISK_LIMIT", "RUNNING") in transitions(gov.advance(T0 + 14 * 60 * MIN))  # 00:00 JNB
    assert of(gov.send(setup(ts=T0 + 14 * 60 * MIN)), EntryApproved)


def test_max_trades_when_config_lowers_it_below_todays_count_pauses_at_once() -> None:
    gov = Harness.start()
    gov.trade(setup(), "1", T0)
    out = gov.send(ConfigPublished(idempotency_key="c", actor="ops", version=2,
                                   config=config(version=2, risk={"max_trades_per_day": 1})), T0 + 5 * MIN)
    assert of(out, RiskLimitHit)[0].limit == "max_trades"
    assert transitions(out) == [("RUNNING", "PAUSED_RISK_LIMIT")]


# --- positions, in flight and open ---------------------------------------------------------------


def test_position_limit_when_entry_in_flight_vetoes_same_symbol_and_any_other() -> None:
    gov = Harness.start()
    gov.approve(setup("BTCUSDT"))
    assert veto_reason(gov, T0 + 1, "BTCUSDT") == RejectReason.POSITION_OPEN
    assert veto_reason(gov, T0 + 2, "ETHUSDT") == RejectReason.POSITION_OPEN


def test_position_limit_when_limit_cancelled_and_market_fallback_rejected_frees_the_slot() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    limit = entry_order(approved, "LIMIT", 1)
    gov.send(limit, T0 + 10)
    gov.send(canceled(limit), T0 + 800)  # timeout: a MARKET for the remainder follows
    assert veto_reason(gov, T0 + 801, "ETHUSDT") == RejectReason.POSITION_OPEN
    market = entry_order(approved, "MARKET", 2)
    gov.send(market, T0 + 802)
    gov.send(rejected(market), T0 + 803)
    assert not gov.state.entries
    assert of(gov.send(setup("ETHUSDT", ts=T0 + 804)), EntryApproved)


def test_position_limit_when_limit_cancelled_without_market_fallback_frees_the_slot() -> None:
    gov = Harness.start(config(execution={"use_market_if_not_filled": False}))
    approved = gov.approve(setup())
    limit = entry_order(approved)
    gov.send(limit, T0 + 10)
    gov.send(canceled(limit), T0 + 800)
    assert not gov.state.entries


def test_position_limit_when_limit_partly_filled_then_cancelled_holds_until_closed() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    limit = entry_order(approved)
    gov.send(limit, T0 + 10)
    gov.send(canceled(limit, filled="0.002"), T0 + 800)
    assert veto_reason(gov, T0 + 900, "ETHUSDT") == RejectReason.POSITION_OPEN
    gov.send(opened(approved, T0 + 1_000), T0 + 1_000)
    gov.send(closed(approved, "1", T0 + 2 * MIN), T0 + 2 * MIN)
    assert not gov.state.entries


def test_position_limit_when_executor_reports_an_unapproved_entry_fill_counts_it() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    limit = entry_order(approved)
    gov.send(canceled(limit), T0 + 10)  # the governor had not seen it submitted: waits for a fallback
    gov.send(filled(entry_order(approved, "MARKET", 2), approved.qty), T0 + 20)
    assert gov.state.entries[approved.setup_id].filled


def test_flatten_when_entry_pending_with_no_live_order_frees_the_slot() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    limit = entry_order(approved)
    gov.send(limit, T0 + 10)
    gov.send(canceled(limit), T0 + 800)  # waiting for a MARKET fallback that the flatten will stop
    gov.send(FlattenRequested(idempotency_key="f", actor="ops"), T0 + 801)
    assert not gov.state.entries


# --- cooldown, feed, symbols, signal age, equity, filters ----------------------------------------


def test_cooldown_when_symbol_traded_recently_vetoes_it_for_300_seconds_only() -> None:
    gov = Harness.start()
    gov.trade(setup(), "1", T0)  # closes at T0 + 60 s
    assert veto_reason(gov, T0 + MIN + 299_999) == RejectReason.COOLDOWN
    assert of(gov.send(setup("ETHUSDT", ts=T0 + 2 * MIN)), EntryApproved)


def test_cooldown_when_elapsed_allows_the_symbol_again() -> None:
    gov = Harness.start()
    gov.trade(setup(), "1", T0)
    assert of(gov.send(setup(ts=T0 + MIN + 300_000), T0 + MIN + 300_000), EntryApproved)


def test_cooldown_when_close_is_processed_late_runs_from_the_close_time_like_the_strategy() -> None:
    gov = Harness.start()
    approved = gov.approve(setup(), T0)
    gov.send(opened(approved, T0 + 1_000), T0 + 1_000)
    gov.send(closed(approved, "1", T0 + MIN), T0 + 10 * MIN)  # a backlog: seen 9 minutes after it closed
    assert of(gov.send(setup(ts=T0 + 10 * MIN), T0 + 10 * MIN), EntryApproved)


def test_feed_stale_when_reported_vetoes_its_symbol_until_recovered() -> None:
    gov = Harness.start()
    gov.send(FeedStale(symbol="ETHUSDT", kind="book", silent_ms=11_000))
    assert veto_reason(gov, T0 + 1, "ETHUSDT") == RejectReason.FEED_STALE
    assert gov.state.status == BotStatus.RUNNING  # no transition: entries stop, nothing else does
    gov.send(FeedRecovered(symbol="ETHUSDT", kind="book", silent_ms=12_000), T0 + 2)
    assert of(gov.send(setup("ETHUSDT", ts=T0 + 3)), EntryApproved)


def test_feed_stale_when_another_symbol_is_silent_does_not_veto() -> None:
    gov = Harness.start()
    gov.send(FeedStale(symbol="ETHUSDT", kind="kline", silent_ms=11_000))
    assert of(gov.send(setup("BTCUSDT", ts=T0 + 1), T0 + 1), EntryApproved)


def test_symbol_disabled_when_not_in_config_vetoes() -> None:
    gov = Harness.start(config(symbols=["BTCUSDT"]))
    assert veto_reason(gov, T0, "ETHUSDT") == RejectReason.SYMBOL_DISABLED
    assert veto_reason(gov, T0, "SOLUSDT") == RejectReason.SYMBOL_DISABLED


def test_signal_when_older_than_stale_data_seconds_vetoes_stale_book() -> None:
    gov = Harness.start()
    out = gov.send(setup(ts=T0), T0 + 10_001, signal_ts=T0)
    assert of(out, SignalVetoed)[0].reason == RejectReason.STALE_BOOK


def test_signal_when_setup_id_repeats_vetoes_superseded() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    gov.send(closed(approved, "1", T0 + 10), T0 + 10)
    assert of(gov.send(setup(), T0 + 400_000, signal_ts=T0 + 400_000), SignalVetoed)[0].reason == "superseded"


def test_equity_when_live_and_not_yet_reported_vetoes_no_equity_then_sizes_on_reported_equity() -> None:
    gov = Harness.start(config(mode="live"))
    assert veto_reason(gov, T0) == RejectReason.NO_EQUITY
    gov.send(account("2700"), T0 + 1)
    approved = gov.approve(setup(ts=T0 + 2))
    assert approved.equity == Decimal(2700)
    assert approved.qty == Decimal("0.010")  # margin cap: 2700 * 20% * 2 / 108000


def test_filters_when_symbol_missing_from_boot_checks_vetoes_no_filters() -> None:
    gov = Harness.start(booted=False)
    gov.send(boot(filters=(BTC,)))
    assert veto_reason(gov, T0, "ETHUSDT") == RejectReason.NO_FILTERS


def test_approval_when_sized_carries_setup_id_as_correlation_and_the_exits_config() -> None:
    gov = Harness.start()
    gov.send(setup())
    (env,) = [e for e in gov.outputs if isinstance(e.payload, EntryApproved)]
    approved = env.payload
    assert isinstance(approved, EntryApproved)
    assert env.correlation_id == approved.setup_id == "BTCUSDT-LONG-" + str(T0)
    assert (approved.qty, approved.leverage, approved.config_version) == (Decimal("0.005"), 2, 1)
    assert (approved.sl_pct, approved.tp_pct, approved.time_stop_seconds) == (
        Decimal("0.0045"), Decimal("0.0035"), 150)
