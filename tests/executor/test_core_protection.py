"""Stop and take profit after a MARKET remainder: replaced make-before-break (the live core, reports by hand)."""

from __future__ import annotations

from decimal import Decimal

from schemas.envelope import Payload
from schemas.orders import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, OrderSubmitted
from schemas.positions import IncidentReported, PositionOpened
from tests.executor.events import T0, approved, book
from tests.executor.live_core import LiveCore, ids

D = Decimal


def entered_with_remainder(c: LiveCore) -> tuple[dict[str, OrderSubmitted], list[Payload]]:
    """0.004 at 100000.0 (first stop/TP), then 0.006 at market at 100100.1 (the average moves)."""
    c.feed(book(T0, "100000.0", "100000.1"))
    legs = c.submitted(c.feed(approved(T0 + 10, "LONG", "0.010", "100000.1")))
    c.venue(OrderAccepted(client_order_id=legs["el"].client_order_id, exchange_order_id="1", **ids()))
    first = c.venue(OrderFilled(client_order_id=legs["el"].client_order_id, side="BUY", purpose="ENTRY",
                                fill_qty=D("0.004"), fill_price=D("100000.0"), cum_qty=D("0.004"),
                                avg_price=D("100000.0"), fee_usdt=D("0.08"), maker=True, final=False, **ids()))
    legs |= c.submitted(first)
    for leg in ("sl", "tp"):
        c.venue(OrderAccepted(client_order_id=legs[leg].client_order_id, exchange_order_id=leg, **ids()))
    assert c.timer(T0 + 10 + 800) == [] and c.cancels() == [legs["el"].client_order_id]
    legs |= c.submitted(c.venue(OrderCanceled(client_order_id=legs["el"].client_order_id, filled_qty=D("0.004"),
                                              reason="CANCELED", **ids())))
    c.venue(OrderAccepted(client_order_id=legs["em"].client_order_id, exchange_order_id="2", **ids()))
    done = c.venue(OrderFilled(client_order_id=legs["em"].client_order_id, side="BUY", purpose="ENTRY",
                               fill_qty=D("0.006"), fill_price=D("100100.1"), cum_qty=D("0.006"),
                               avg_price=D("100100.1"), fee_usdt=D("0.3"), maker=False, final=True, **ids()))
    return legs | c.submitted(done), done


def test_protection_when_remainder_moves_average_new_exits_placed_before_old_cancelled() -> None:
    c = LiveCore()
    legs, done = entered_with_remainder(c)
    assert (legs["sl"].price, legs["tp"].price) == (D("99550.0"), D("100350.0"))
    assert (legs["sl2"].price, legs["tp2"].price) == (D("99609.8"), D("100410.3"))
    opened = next(p for p in done if isinstance(p, PositionOpened))
    assert (opened.stop_price, opened.take_profit_price) == (D("99609.8"), D("100410.3"))
    assert c.cancels() == []  # nothing old goes before its successor stands
    c.venue(OrderAccepted(client_order_id=legs["sl2"].client_order_id, exchange_order_id="s2", **ids()))
    assert c.cancels() == [legs["sl"].client_order_id]
    assert c.venue(OrderCanceled(client_order_id=legs["sl"].client_order_id, filled_qty=D(0), reason="CANCELED",
                                 **ids())) == []  # the replaced stop going away is no incident


def test_protection_when_replacement_stop_refused_keeps_old_stop_and_reports() -> None:
    c = LiveCore()
    legs, _ = entered_with_remainder(c)
    out = c.venue(OrderRejected(client_order_id=legs["sl2"].client_order_id, code=-4130,
                                msg="An open stop or take profit order with GTE and closePosition in the direction "
                                    "is existing.", **ids()))
    assert [(p.kind, p.action) for p in out if isinstance(p, IncidentReported)] == [
        ("PROTECTION_NOT_REPLACED", f"kept {legs['sl'].client_order_id} at 99550.00")]
    assert c.cancels() == [] and c.state.trades["setup-1"].reason is None
    c.venue(OrderAccepted(client_order_id=legs["tp2"].client_order_id, exchange_order_id="t2", **ids()))
    assert c.cancels() == [legs["tp"].client_order_id]  # the take profit was replaced all the same
    # the kept stop is the trade's stop again: when it ends, it is re-placed once, then a loss is naked
    out = c.venue(OrderCanceled(client_order_id=legs["sl"].client_order_id, filled_qty=D(0), reason="EXPIRED",
                                **ids()))
    assert [(p.kind, p.halts) for p in out if isinstance(p, IncidentReported)] == [("STOP_REPLACED", False)]
    again = c.submitted(out)["sl3"]
    assert again.price == D("99550.0") and c.state.trades["setup-1"].sl_cid == again.client_order_id
    out = c.venue(OrderRejected(client_order_id=again.client_order_id, code=-2021,
                                msg="Order would immediately trigger.", **ids()))
    assert [p.kind for p in out if isinstance(p, IncidentReported)] == ["NAKED_POSITION"]
