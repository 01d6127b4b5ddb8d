"""The request outbox: queue what the venue must do (announcing new orders), and find a trade's orders."""

from __future__ import annotations

from decimal import Decimal

from executor.ids import client_id
from executor.state import ExecState, Order, Request, Trade
from runtime.core import Emit
from schemas.envelope import Payload
from schemas.orders import OrderSubmitted


def emit(payload: Payload, setup_id: str | None) -> Emit:
    return Emit(payload, correlation_id=setup_id)


def submit(state: ExecState, req: Request) -> list[Emit]:
    """Queue a request; a new order is announced with OrderSubmitted at once."""
    state.outbox.append(req)
    if req.action == "cancel":
        order = state.orders.get(req.cid)
        if order is not None:
            order.cancel_requested = True
        return []
    if req.action != "place":
        return []
    state.orders[req.cid] = Order(req.cid, req.setup_id, req.symbol, req.side, req.type, req.purpose,
                                  req.qty, req.price)
    return [emit(OrderSubmitted(
        client_order_id=req.cid, setup_id=req.setup_id, symbol=req.symbol, side=req.side,
        order_type=req.type, purpose=req.purpose, qty=req.qty, price=req.price,
        reduce_only=req.reduce_only,
    ), req.setup_id)]


def place(state: ExecState, t: Trade, leg: str, side: str, type_: str, purpose: str, qty: Decimal | None,
          price: Decimal | None, now: int, reduce_only: bool = False) -> list[Emit]:
    return submit(state, Request("place", free_cid(state, t, leg), t.symbol, side, type_, qty, price, reduce_only,
                                 purpose, t.setup_id, now))


def free_cid(state: ExecState, t: Trade, leg: str) -> str:
    """The leg's client id; a second order of the same kind is numbered (`sl2`, `ts3`, ...)."""
    cid = client_id(t.key, leg)
    n = 2
    while cid in state.orders:
        cid = client_id(t.key, f"{leg}{n}")
        n += 1
    return cid


def cancel(state: ExecState, order: Order, now: int) -> list[Emit]:
    if not order.is_open or order.cancel_requested:
        return []
    return submit(state, Request("cancel", order.cid, order.symbol, purpose=order.purpose,
                                 setup_id=order.setup_id, created=now))


def trade_orders(state: ExecState, t: Trade) -> list[Order]:
    return [o for o in state.orders.values() if o.setup_id == t.setup_id]
