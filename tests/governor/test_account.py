"""The governor and a real account: rejections that mean the account is misconfigured, entries the executor
did not send, the user-data stream, funding, config mode vs the executor's venue, incidents that do not halt."""

from __future__ import annotations

from decimal import Decimal

from schemas.account import FundingBooked, UserStreamChanged
from schemas.commands import ConfigPublished, ResumeRequested
from schemas.orders import EntryNotPlaced, OrderRejected
from schemas.positions import IncidentReported
from schemas.risk import ControlActionResult, EntryApproved, SignalVetoed
from schemas.types import BotStatus, RejectReason
from tests.governor.factories import MIN, T0, Harness, config, entry_order, of, setup, transitions


def test_rejection_when_the_account_is_in_hedge_mode_goes_to_error_and_does_not_count_a_trade() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    order = entry_order(approved)
    gov.send(order)
    assert gov.state.trades_today == 1
    out = gov.send(OrderRejected(client_order_id=order.client_order_id, setup_id=order.setup_id, symbol="BTCUSDT",
                                 code=-4061, msg="Order's position side does not match user's setting."))
    assert transitions(out) == [("RUNNING", "ERROR")]
    assert "-4061" in gov.state.status_cause and gov.state.trades_today == 0 and not gov.state.entries


def test_rejection_when_the_market_refuses_an_entry_it_counts_and_trading_goes_on() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    order = entry_order(approved)
    gov.send(order)
    gov.send(OrderRejected(client_order_id=order.client_order_id, setup_id=order.setup_id, symbol="BTCUSDT",
                           code=-2019, msg="Margin is insufficient."))
    assert gov.state.status == BotStatus.RUNNING and gov.state.trades_today == 1


def test_entry_when_the_executor_did_not_send_it_is_no_trade_and_no_longer_in_flight() -> None:
    gov = Harness.start()
    approved = gov.approve(setup())
    gov.send(EntryNotPlaced(setup_id=approved.setup_id, symbol="BTCUSDT", client_order_id="lf-x-el",
                            reason="user-data stream down"))
    assert gov.state.trades_today == 0 and not gov.state.entries


def test_user_stream_when_down_vetoes_entries_until_it_is_back() -> None:
    gov = Harness.start()
    gov.send(UserStreamChanged(connected=False, detail="dropped"))
    [veto] = of(gov.send(setup(ts=T0 + MIN), T0 + MIN), SignalVetoed)
    assert veto.reason == RejectReason.FEED_STALE and "user_data" in veto.detail
    gov.send(UserStreamChanged(connected=True))
    assert of(gov.send(setup(ts=T0 + 2 * MIN), T0 + 2 * MIN), EntryApproved)


def test_funding_when_on_no_trade_counts_on_the_day_and_on_a_trade_waits_for_its_close() -> None:
    gov = Harness.start()
    gov.send(FundingBooked(setup_id=None, symbol="BTCUSDT", amount_usdt=Decimal("-1.25")))
    gov.send(FundingBooked(setup_id="BTCUSDT-LONG-1", symbol="BTCUSDT", amount_usdt=Decimal("-9")))
    assert gov.state.daily_pnl == Decimal("-1.25")


def test_config_when_its_mode_differs_from_the_executor_s_venue_goes_to_error_and_resume_is_refused() -> None:
    gov = Harness.start()  # the executor booted a paper venue
    live = config(mode="live", version=2)
    out = gov.send(ConfigPublished(idempotency_key="c1", actor="op", version=2, config=live))
    assert transitions(out) == [("RUNNING", "ERROR")] and "mode=live" in gov.state.status_cause
    [answer] = of(gov.send(ResumeRequested(idempotency_key="r1", actor="op")), ControlActionResult)
    assert answer.outcome == "refused" and "mode=live" in answer.reason


def test_incident_when_it_does_not_halt_trading_goes_on() -> None:
    gov = Harness.start()
    out = gov.send(IncidentReported(kind="STOP_REPLACED", symbol="BTCUSDT", setup_id="s", detail="x", action="y",
                                    halts=False))
    assert transitions(out) == [] and gov.state.status == BotStatus.RUNNING
    out = gov.send(IncidentReported(kind="CLOSED_BY_LIQUIDATION", symbol="BTCUSDT", setup_id="s", detail="x",
                                    action="y"))
    assert transitions(out) == [("RUNNING", "ERROR")]
