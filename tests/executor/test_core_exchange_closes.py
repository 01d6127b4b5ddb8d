"""Positions the exchange closes itself, or someone else does, and our books against the exchange's position
(the live core, the venue's reports typed by hand)."""

from __future__ import annotations

from decimal import Decimal

from schemas.orders import ExternalFill, OrderSubmitted, PositionReported
from schemas.positions import AdoptedOrder, IncidentReported, PositionClosed, PositionOpened, TradeAdopted
from tests.executor.events import T0
from tests.executor.live_core import LiveCore, fill, of, open_long

D = Decimal


def external(kind: str, qty: str, price: str, cid: str, trade_id: int, rp: str = "-20") -> ExternalFill:
    return ExternalFill(symbol="BTCUSDT", client_order_id=cid, order_id="777", kind=kind,
                        side="SELL", qty=D(qty), price=D(price), fee_usdt=D("0.5"), fee=D("0.5"), fee_asset="USDT",
                        realized_pnl=D(rp), trade_id=trade_id, time=T0)


def test_exchange_close_when_liquidated_the_trade_ends_liquidation_at_the_exchange_price_and_halts() -> None:
    c = LiveCore()
    legs = open_long(c)
    out = c.venue(external("LIQUIDATION", "0.010", "98000.0", "autoclose-1761134400000", 50))
    [incident] = of(out, IncidentReported)
    assert (incident.kind, incident.halts) == ("CLOSED_BY_LIQUIDATION", True)
    [closed] = of(out, PositionClosed)
    assert (closed.reason, closed.exit_price, closed.qty) == ("LIQUIDATION", D("98000.0"), D("0.010"))
    assert closed.pnl_usdt == D("-20") - D("0.01") - D("0.5")  # rp less the entry's and the liquidation's fees
    assert sorted(c.cancels()) == sorted([legs["sl"], legs["tp"]])  # what is left of its exits goes


def test_exchange_close_when_auto_deleveraged_ends_adl_and_trading_goes_on() -> None:
    c = LiveCore()
    open_long(c)
    out = c.venue(external("ADL", "0.010", "101000.0", "adl_autoclose", 51, rp="10"))
    [incident] = of(out, IncidentReported)
    assert (incident.kind, incident.halts) == ("CLOSED_BY_ADL", False)
    assert [p.reason for p in of(out, PositionClosed)] == ["ADL"]


def test_exchange_close_when_closed_by_hand_in_two_parts_books_both_and_ends_external() -> None:
    c = LiveCore()
    open_long(c)
    out = c.venue(external("EXTERNAL", "0.004", "100100.0", "web_abc", 52, rp="0.4"))
    assert of(out, PositionClosed) == [] and c.trade().position == D("0.006")
    assert c.venue(external("EXTERNAL", "0.004", "100100.0", "web_abc", 52, rp="0.4")) == []  # the same trade again
    out = c.venue(external("EXTERNAL", "0.006", "100200.0", "web_abc", 53, rp="1.2"))
    [closed] = of(out, PositionClosed)
    assert closed.reason == "EXTERNAL" and closed.qty == D("0.010") and closed.pnl_usdt == D("1.6") - D("1.01")


def test_exchange_fill_when_on_our_symbol_but_not_our_position_is_reported_as_foreign() -> None:
    c = LiveCore()
    fill_ = external("EXTERNAL", "0.003", "100000.0", "web_x", 54)
    out = c.venue(fill_)
    [incident] = of(out, IncidentReported)
    assert incident.kind == "FOREIGN_FILL" and incident.halts


def test_reconcile_when_the_exchange_holds_less_of_the_same_side_the_trade_is_resized() -> None:
    c = LiveCore()
    open_long(c)
    out = c.venue(PositionReported(symbol="BTCUSDT", amount=D("0.006"), entry_price=D("100000.0"),
                                   reason="boot reconcile"))
    [incident] = of(out, IncidentReported)
    assert (incident.kind, incident.halts) == ("POSITION_RESIZED", False)
    assert c.trade().position == D("0.006") and c.trade().reason is None


def test_reconcile_when_the_exchange_holds_more_the_trade_closes_everything_with_a_halt() -> None:
    c = LiveCore()
    open_long(c)
    out = c.venue(PositionReported(symbol="BTCUSDT", amount=D("0.015"), entry_price=D("100000.0"),
                                   reason="boot reconcile"))
    assert [(i.kind, i.halts) for i in of(out, IncidentReported)] == [("POSITION_MISMATCH", True)]
    [close] = of(out, OrderSubmitted)
    assert (close.order_type, close.qty, close.reduce_only) == ("MARKET", D("0.015"), True)


def test_reconcile_when_flat_at_the_exchange_with_no_fill_found_ends_the_trade_with_an_incident() -> None:
    c = LiveCore()
    open_long(c)
    out = c.venue(PositionReported(symbol="BTCUSDT", amount=D(0), entry_price=D(0), reason="boot reconcile"))
    [incident] = of(out, IncidentReported)
    assert incident.kind == "POSITION_GONE" and incident.halts
    [closed] = of(out, PositionClosed)
    assert closed.reason == "EXTERNAL" and closed.exit_price == D("100000.05")  # the book's mid


def test_adopt_when_rebuilt_from_the_exchange_keeps_its_stop_and_places_the_missing_take_profit() -> None:
    c = LiveCore()
    adopted = TradeAdopted(setup_id="BTCUSDT-LONG-1", key="0011223344556677", symbol="BTCUSDT", side="LONG",
                           qty=D("0.010"), entry_price=D("100000.0"), opened_ts=T0, stop_price=D("99550.0"),
                           take_profit_price=D("100350.0"), sl_pct=D("0.0045"), tp_pct=D("0.0035"),
                           time_stop_ts=T0 + 150_000,
                           orders=(AdoptedOrder(client_order_id="lf-0011223344556677-sl", purpose="STOP_LOSS",
                                                order_type="STOP_MARKET", price=D("99550.0"), exchange_order_id="9"),))
    out = c.venue(adopted)
    assert [p.qty for p in of(out, PositionOpened)] == [D("0.010")]
    assert [(i.kind, i.halts) for i in of(out, IncidentReported)] == [("TRADE_ADOPTED", False)]
    [tp] = of(out, OrderSubmitted)
    assert (tp.order_type, tp.price, tp.client_order_id) == ("TAKE_PROFIT_MARKET", D("100350.0"),
                                                             "lf-0011223344556677-tp")
    t = c.trade("BTCUSDT-LONG-1")
    assert t.stop_ok and t.time_stop_ts == T0 + 150_000
    # its own stop's fill, known to us only by its client id (no order record), closes it as SL
    out = c.venue(ExternalFill(symbol="BTCUSDT", client_order_id="lf-0011223344556677-sl", order_id="5",
                               kind="EXTERNAL", side="SELL", qty=D("0.010"), price=D("99540.0"), fee_usdt=D("0.4"),
                               fee=D("0.4"), fee_asset="USDT", realized_pnl=D("-4.6"), trade_id=60))
    assert [(p.reason, p.setup_id) for p in of(out, PositionClosed)] == [("SL", "BTCUSDT-LONG-1")]
    assert of(out, IncidentReported) == []


def test_fill_when_a_settle_read_repeats_a_trade_already_booked_it_counts_once() -> None:
    c = LiveCore()
    legs = open_long(c)
    assert fill(c, legs["el"], "0.010", "100000.0", trade_id=1) == []
    assert c.trade().entry_qty == D("0.010")


def test_exchange_fill_when_reported_again_after_its_trade_ended_is_not_a_foreign_fill() -> None:
    c = LiveCore()
    open_long(c)
    c.venue(external("EXTERNAL", "0.010", "100100.0", "web_abc", 55, rp="1"))
    assert c.trade().stage == "DONE"
    assert c.venue(external("EXTERNAL", "0.010", "100100.0", "web_abc", 55, rp="1")) == []  # a second settle read


def test_exchange_fill_when_it_closes_only_part_the_trade_keeps_its_exits_and_its_own_reason() -> None:
    c = LiveCore()
    legs = open_long(c)
    c.venue(external("EXTERNAL", "0.004", "100100.0", "web_abc", 56, rp="0.4"))
    t = c.trade()
    assert (t.reason, t.stage, t.position) == (None, "OPEN", D("0.006")) and c.cancels() == []
    out = fill(c, legs["tp"], "0.006", "100350.0", side="SELL", purpose="TAKE_PROFIT", rp="2.1", trade_id=57)
    [closed] = of(out, PositionClosed)
    assert (closed.reason, closed.qty) == ("TP", D("0.010"))
