"""Protective orders on a real account: refused after acceptance, expired, gone; market closes that keep failing
(the live core, the venue's reports typed by hand)."""

from __future__ import annotations

from decimal import Decimal

from schemas.orders import OrderCanceled, OrderRejected, OrderSubmitted, PositionReported
from schemas.positions import IncidentReported, PositionClosed
from tests.executor.events import book
from tests.executor.live_core import LiveCore, accept, fill, ids, of, open_long

D = Decimal


def test_stop_when_refused_at_trigger_time_after_acceptance_it_is_replaced_once_under_the_guard() -> None:
    c = LiveCore()
    legs = open_long(c)
    # Since 2025-12-15 a trigger-time refusal comes only as ALGO_UPDATE X=REJECTED (reference §3.5)
    out = c.venue(OrderRejected(client_order_id=legs["sl"], code=0, msg="Reduce Only reject", **ids()))
    [incident] = of(out, IncidentReported)
    assert (incident.kind, incident.halts) == ("STOP_REPLACED", False)
    assert "Reduce Only reject" in incident.detail
    [again] = of(out, OrderSubmitted)
    assert (again.order_type, again.price, again.client_order_id.endswith("-sl2")) == ("STOP_MARKET", D("99550.0"),
                                                                                        True)
    t = c.trade()
    assert (t.sl_cid, t.stop_ok, t.naked_deadline) == (again.client_order_id, False, c.now + 800)
    # the replacement is not confirmed within the guard (0.8 s, so flat within 1 s): stop slow, closed at market
    out = c.timer(c.now + 800)
    [naked] = of(out, IncidentReported)
    assert naked.kind == "NAKED_POSITION" and naked.halts and "stop slow" in naked.detail
    assert [o.order_type for o in of(out, OrderSubmitted)] == ["MARKET"]


def test_stop_when_refused_with_its_trigger_already_crossed_the_position_closes_at_market() -> None:
    c = LiveCore()
    legs = open_long(c)
    c.feed(book(c.now + 1, "99500.0", "99500.1"))  # below the stop at 99550.0
    out = c.venue(OrderCanceled(client_order_id=legs["sl"], filled_qty=D(0), reason="EXPIRED", **ids()))
    [naked] = of(out, IncidentReported)
    assert naked.kind == "NAKED_POSITION" and "already crossed" in naked.detail
    [close] = of(out, OrderSubmitted)
    assert (close.order_type, close.purpose, close.reduce_only) == ("MARKET", "INCIDENT", True)


def test_stop_when_the_replacement_ends_too_the_position_is_closed() -> None:
    c = LiveCore()
    legs = open_long(c)
    out = c.venue(OrderCanceled(client_order_id=legs["sl"], filled_qty=D(0), reason="UNKNOWN: not found at the "
                                                                                   "exchange", **ids()))
    [again] = of(out, OrderSubmitted)
    accept(c, again.client_order_id)
    assert c.trade().stop_ok
    out = c.venue(OrderRejected(client_order_id=again.client_order_id, code=0, msg="Reduce Only reject", **ids()))
    assert [i.kind for i in of(out, IncidentReported)] == ["NAKED_POSITION"]
    assert c.trade().reason == "INCIDENT"


def test_take_profit_when_refused_with_its_target_crossed_closes_at_market_as_tp_without_halting() -> None:
    c = LiveCore()
    legs = open_long(c)
    c.feed(book(c.now + 1, "100400.0", "100400.1"))  # above the take profit at 100350.0
    out = c.venue(OrderRejected(client_order_id=legs["tp"], code=0, msg="Reduce Only reject", **ids()))
    [incident] = of(out, IncidentReported)
    assert (incident.kind, incident.halts) == ("TAKE_PROFIT_ENDED", False)
    [close] = of(out, OrderSubmitted)
    assert (close.order_type, close.purpose, close.client_order_id.endswith("-tm")) == ("MARKET", "TAKE_PROFIT", True)
    accept(c, close.client_order_id)
    out = fill(c, close.client_order_id, "0.010", "100400.0", side="SELL", purpose="TAKE_PROFIT", trade_id=9)
    [closed] = of(out, PositionClosed)
    assert closed.reason == "TP"


def test_close_when_rejected_again_and_again_it_retries_with_backoff_and_alerts() -> None:
    c = LiveCore()
    open_long(c)
    t0 = c.trade().time_stop_ts
    assert t0 is not None
    out = c.timer(t0)
    [close] = of(out, OrderSubmitted)
    rejected_at = []
    for attempt in range(1, 6):
        out = c.venue(OrderRejected(client_order_id=close.client_order_id, code=-1008,
                                    msg="Request throttled by system-level protection.", **ids()))
        rejected_at.append(c.now)
        if attempt == 3:
            [alert] = of(out, IncidentReported)
            assert alert.kind == "CLOSE_FAILED" and alert.halts and "3 market closes" in alert.detail
        else:
            assert of(out, IncidentReported) == []
        due = c.core.next_deadline(c.state)
        assert due is not None
        assert due == c.now + min(30_000, 500 * 2 ** (attempt - 1))  # backoff: 0.5 s, 1 s, 2 s, 4 s, 8 s
        assert c.timer(due - 1) == []
        [close] = of(c.timer(due), OrderSubmitted)
        assert close.order_type == "MARKET" and close.qty == D("0.010")
    accept(c, close.client_order_id)
    out = fill(c, close.client_order_id, "0.010", "100010.0", side="SELL", purpose="TIME_STOP", trade_id=7)
    assert [p.reason for p in of(out, PositionClosed)] == ["TIME_STOP"]


def test_close_when_refused_as_nothing_to_reduce_reads_the_exchange_and_books_what_it_says() -> None:
    c = LiveCore()
    legs = open_long(c)
    [close] = of(c.timer(c.trade().time_stop_ts or 0), OrderSubmitted)
    out = c.venue(OrderRejected(client_order_id=close.client_order_id, code=-2022,
                                msg="ReduceOnly Order is rejected.", **ids()))
    assert of(out, OrderSubmitted) == [] and c.requests("settle") == ["settle-1"]
    # the exchange: our stop had filled (its report was lost on the stream) and the position is flat
    out = fill(c, legs["sl"], "0.010", "99540.0", side="SELL", purpose="STOP_LOSS", trade_id=5, rp="-4.6")
    [closed] = of(out, PositionClosed)
    # the exit began as a time stop: that stays its reason; the money is the stop fill's, as the exchange booked it
    assert closed.reason == "TIME_STOP" and closed.pnl_usdt == D("-4.6") - D("0.02")  # rp less both commissions
    assert closed.exit_price == D("99540.0")
    out = c.venue(PositionReported(symbol="BTCUSDT", amount=D(0), entry_price=D(0), reason="close refused",
                                   request="settle-1"))
    assert c.requests("settle") == [] and of(out, IncidentReported) == []
