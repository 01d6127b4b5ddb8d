"""A trade's life, as pure state changes: entry → protection → exit → PositionClosed.

Every function mutates the (already copied) `ExecState` and returns the events to emit. Order requests
go to `state.outbox` together with their `OrderSubmitted`; the venue's answers come back through
`on_report`.
"""

from __future__ import annotations

from decimal import Decimal

from executor.filters import ceil_to, exit_triggers, floor_to
from executor.ids import client_id, intent_key
from executor.state import ExecState, Order, Request, Trade
from runtime.core import Emit
from schemas.envelope import Payload
from schemas.orders import (
    AccountUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    ProtectionPlaced,
    VenueError,
)
from schemas.positions import IncidentReported, PositionClosed, PositionOpened
from schemas.risk import EntryApproved
from schemas.types import ExitReason, entry_side, exit_side

ZERO = Decimal(0)
EXIT_LEGS = {ExitReason.TIME_STOP: "ts", ExitReason.FLATTEN: "fl", ExitReason.INCIDENT: "in"}
Q8 = Decimal("0.00000001")
MAX_CLOSE_ATTEMPTS = 3


def _emit(payload: Payload, setup_id: str | None) -> Emit:
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
    return [_emit(OrderSubmitted(
        client_order_id=req.cid, setup_id=req.setup_id, symbol=req.symbol, side=req.side,
        order_type=req.type, purpose=req.purpose, qty=req.qty, price=req.price,
        reduce_only=req.reduce_only,
    ), req.setup_id)]


def _place(state: ExecState, t: Trade, leg: str, side: str, type_: str, purpose: str, qty: Decimal | None,
           price: Decimal | None, now: int, reduce_only: bool = False) -> list[Emit]:
    cid = client_id(t.key, leg)
    if cid in state.orders:  # a second close of the same kind: number it
        n = 2
        while client_id(t.key, f"{leg}{n}") in state.orders:
            n += 1
        cid = client_id(t.key, f"{leg}{n}")
    return submit(state, Request("place", cid, t.symbol, side, type_, qty, price, reduce_only, purpose,
                                 t.setup_id, now))


def _cancel(state: ExecState, order: Order, now: int) -> list[Emit]:
    if not order.is_open or order.cancel_requested:
        return []
    return submit(state, Request("cancel", order.cid, order.symbol, purpose=order.purpose,
                                 setup_id=order.setup_id, created=now))


def trade_orders(state: ExecState, t: Trade) -> list[Order]:
    return [o for o in state.orders.values() if o.setup_id == t.setup_id]


# --- entry ----------------------------------------------------------------------------------------
def approve(state: ExecState, intent_id: str, intent: EntryApproved, now: int) -> list[Emit]:
    if not state.remember(f"intent/{intent_id}") or intent.setup_id in state.trades:
        return []
    f = state.filters.get(intent.symbol)
    qty = floor_to(intent.qty, f.step_size) if f else intent.qty
    t = Trade(intent.setup_id, intent_key(intent_id), intent.symbol, intent.side, qty, intent.entry_price,
              intent.sl_pct, intent.tp_pct, intent.time_stop_seconds, intent.entry_fill_timeout_ms,
              intent.use_market_if_not_filled, now, entry_deadline=now + intent.entry_fill_timeout_ms)
    state.trades[t.setup_id] = t
    book = state.books.get(intent.symbol)
    touch = (book[0] if t.side == "LONG" else book[1]) if book is not None else intent.entry_price
    # at the touch (or, before any book, the governor's reference), on the passive side of the tick
    tick = f.tick_size if f else Decimal("0.01")
    price = floor_to(touch, tick) if t.side == "LONG" else ceil_to(touch, tick)
    return _place(state, t, "el", entry_side(t.side), "LIMIT", "ENTRY", qty, price, now)


def _entry_filled(state: ExecState, t: Trade, fill: OrderFilled, now: int) -> list[Emit]:
    emits: list[Emit] = []
    first = t.entry_qty == 0
    t.entry_qty += fill.fill_qty
    t.entry_cost += fill.fill_qty * fill.fill_price
    t.entry_fees += fill.fee_usdt
    if first:
        t.stage = "OPEN" if t.reason is None else t.stage
        t.opened_ts, t.naked_deadline = now, now + 1000
        t.time_stop_ts = now + t.time_stop_s * 1000
        f = state.filters.get(t.symbol)
        tick = f.tick_size if f else Decimal("0.01")
        t.stop_price, t.tp_price = exit_triggers(t.side, t.entry_cost / t.entry_qty, t.sl_pct, t.tp_pct, tick)
        side = exit_side(t.side)
        emits += _place(state, t, "sl", side, "STOP_MARKET", "STOP_LOSS", None, t.stop_price, now)
        emits += _place(state, t, "tp", side, "TAKE_PROFIT_MARKET", "TAKE_PROFIT", None, t.tp_price, now)
    if fill.final:
        emits += _entry_done(state, t, now)
    return emits


def _entry_done(state: ExecState, t: Trade, now: int) -> list[Emit]:
    t.entry_done = True
    if t.entry_qty == 0:
        if t.stage != "DONE":
            t.stage = "DONE"  # nothing filled: no position, nothing to report beyond the order events
        return []
    emits: list[Emit] = []
    if not t.opened_emitted and t.opened_ts is not None:
        t.opened_emitted = True
        emits.append(_emit(PositionOpened(
            setup_id=t.setup_id, symbol=t.symbol, side=t.side, qty=t.entry_qty,
            entry_price=(t.entry_cost / t.entry_qty).quantize(Q8), stop_price=t.stop_price or ZERO,
            take_profit_price=t.tp_price or ZERO, opened_ts=t.opened_ts, time_stop_ts=t.time_stop_ts or now,
        ), t.setup_id))
    return emits + _settle(state, t, now)


def _entry_canceled(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    remainder = t.qty - t.entry_qty
    f = state.filters.get(t.symbol)
    book = state.books.get(t.symbol)
    ref = (book[0] + book[1]) / 2 if book else t.ref_price
    big_enough = f is None or (remainder >= f.min_qty and remainder * ref >= f.min_notional)
    if order.type == "LIMIT" and t.use_market and t.reason is None and remainder > 0 and big_enough:
        return _place(state, t, "em", entry_side(t.side), "MARKET", "ENTRY", remainder, None, now)
    return _entry_done(state, t, now)


# --- exits ----------------------------------------------------------------------------------------
def close(state: ExecState, t: Trade, reason: ExitReason, now: int) -> list[Emit]:
    """Close at market (time stop, flatten, incident); the exchange-side exits stay until it is flat."""
    if t.reason is not None or t.stage == "DONE":
        return []
    t.reason = reason
    t.stage = "CLOSING"
    emits: list[Emit] = []
    for o in trade_orders(state, t):
        if o.purpose == "ENTRY":
            emits += _cancel(state, o, now)
    return emits + _settle(state, t, now)


def _settle(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """While closing: send a market close for what is held once no entry order can add to it."""
    if t.stage != "CLOSING" or t.reason is None:
        return []
    orders = trade_orders(state, t)
    if any(o.purpose == "ENTRY" and o.is_open for o in orders):
        return []
    exits = [o for o in orders if o.purpose in ("TIME_STOP", "FLATTEN", "INCIDENT")]
    closing = [o for o in exits if o.is_open]
    failed = sum(o.status == "REJECTED" for o in exits)
    if t.position > 0 and not closing and failed >= MAX_CLOSE_ATTEMPTS:
        if failed == MAX_CLOSE_ATTEMPTS and not t.close_failed:
            t.close_failed = True
            return [_emit(IncidentReported(
                kind="CLOSE_FAILED", symbol=t.symbol, setup_id=t.setup_id,
                detail=f"{MAX_CLOSE_ATTEMPTS} market closes of {t.position} rejected",
                action="left to the exchange-side stop and take profit; flatten to retry"), t.setup_id)]
        return []
    if t.position > 0 and not closing:
        leg = EXIT_LEGS.get(ExitReason(t.reason))
        if leg is not None:
            return _place(state, t, leg, exit_side(t.side), "MARKET", _purpose(t.reason), t.position,
                          None, now, reduce_only=True)
    if t.position <= 0 and t.entry_done:
        return finish(state, t, now)
    return []


def _purpose(reason: str) -> str:
    return {"TIME_STOP": "TIME_STOP", "FLATTEN": "FLATTEN", "INCIDENT": "INCIDENT"}[reason]


def _exit_filled(state: ExecState, t: Trade, fill: OrderFilled, now: int) -> list[Emit]:
    t.exit_qty += fill.fill_qty
    t.exit_cost += fill.fill_qty * fill.fill_price
    t.exit_fees += fill.fee_usdt
    if t.reason is None:
        t.reason = ExitReason.SL if fill.purpose == "STOP_LOSS" else ExitReason.TP
        t.stage = "CLOSING"
    if t.position <= 0:
        t.entry_done = t.entry_done or not any(o.purpose == "ENTRY" and o.is_open for o in trade_orders(state, t))
        emits: list[Emit] = []
        for o in trade_orders(state, t):
            if o.purpose == "ENTRY":
                emits += _cancel(state, o, now)
        return emits + (finish(state, t, now) if t.entry_done else [])
    return []


def finish(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """Flat: cancel what is left of the trade's orders and report the trade."""
    if t.stage == "DONE":
        return []
    emits: list[Emit] = []
    for o in trade_orders(state, t):
        emits += _cancel(state, o, now)
    t.stage = "DONE"
    qty = t.exit_qty
    entry_avg, exit_avg = t.entry_cost / t.entry_qty, t.exit_cost / qty
    sign = 1 if t.side == "LONG" else -1
    fees = t.entry_fees + t.exit_fees
    pnl = sign * (exit_avg - entry_avg) * qty - fees
    slippage = sign * (entry_avg - t.ref_price) / t.ref_price * 10_000
    state.equity += pnl
    emits.append(_emit(PositionClosed(
        setup_id=t.setup_id, symbol=t.symbol, side=t.side, reason=ExitReason(t.reason or "INCIDENT"),
        qty=qty, entry_price=entry_avg.quantize(Q8), exit_price=exit_avg.quantize(Q8),
        pnl_usdt=pnl.quantize(Q8), pnl_pct=(pnl / (entry_avg * qty)).quantize(Q8), fees_usdt=fees.quantize(Q8),
        slippage_bps=slippage.quantize(Decimal("0.01")), opened_ts=t.opened_ts or now, closed_ts=now,
        duration_ms=now - (t.opened_ts or now),
    ), t.setup_id))
    emits.append(_emit(account_payload(state), t.setup_id))
    return emits


def account_payload(state: ExecState) -> AccountUpdated:
    acct = state.paper
    if acct is not None:
        equity = acct.balance + acct.unrealized()
        return AccountUpdated(equity=equity.quantize(Q8), wallet_balance=acct.balance.quantize(Q8),
                              available=acct.available().quantize(Q8))
    eq = state.equity.quantize(Q8)
    return AccountUpdated(equity=eq, wallet_balance=eq, available=eq)


# --- venue reports --------------------------------------------------------------------------------
def _unqueue(state: ExecState, cid: str, actions: tuple[str, ...]) -> None:
    state.outbox = [r for r in state.outbox if not (r.cid == cid and r.action in actions)]


def on_report(state: ExecState, report: Payload, now: int) -> list[Emit]:
    cid = getattr(report, "client_order_id", None)
    order = state.orders.get(cid) if cid else None
    if order is None or cid is None:
        return []
    t = state.trades.get(order.setup_id or "")
    if isinstance(report, OrderAccepted):
        _unqueue(state, cid, ("place",))
        if order.status != "PENDING":
            return []
        order.status, order.exchange_id = "NEW", report.exchange_order_id
        if t is None or order.purpose not in ("STOP_LOSS", "TAKE_PROFIT"):
            return []
        if order.purpose == "STOP_LOSS":
            t.stop_ok = True
        if t.stage == "DONE":
            return _cancel(state, order, now)  # the trade ended while this exit was on its way
        kind = "STOP_LOSS" if order.purpose == "STOP_LOSS" else "TAKE_PROFIT"
        return [_emit(ProtectionPlaced(client_order_id=cid, setup_id=order.setup_id, symbol=t.symbol,
                                       kind=kind, trigger_price=order.price or ZERO), t.setup_id)]
    if isinstance(report, OrderFilled):
        return _filled(state, order, t, report, now)
    if isinstance(report, OrderCanceled):
        _unqueue(state, cid, ("cancel", "place"))
        if not order.is_open:
            return []
        order.status = "CANCELED"
        return _ended(state, order, t, now)
    if isinstance(report, OrderRejected):
        _unqueue(state, cid, ("place",))
        if order.status != "PENDING":
            return []
        order.status = "REJECTED"
        return _ended(state, order, t, now)
    if isinstance(report, VenueError):  # a cancel that failed: the order is gone or filled
        _unqueue(state, cid, ("cancel",))
        order.cancel_requested = False
    return []


def _filled(state: ExecState, order: Order, t: Trade | None, fill: OrderFilled, now: int) -> list[Emit]:
    if fill.cum_qty <= order.filled:
        return []  # a report seen before (stream and reconcile both told us)
    qty = fill.cum_qty - order.filled
    fill = fill.model_copy(update={"fill_qty": qty})
    order.filled = fill.cum_qty
    order.cost += qty * fill.fill_price
    order.fees += fill.fee_usdt
    _unqueue(state, order.cid, ("place",))
    if order.status == "PENDING":
        order.status = "NEW"
    if fill.final:
        order.status = "FILLED"
        _unqueue(state, order.cid, ("cancel",))
    if t is None:
        return []
    if order.purpose == "ENTRY":
        return _entry_filled(state, t, fill, now)
    return _exit_filled(state, t, fill, now)


def _ended(state: ExecState, order: Order, t: Trade | None, now: int) -> list[Emit]:
    """An order was cancelled or rejected without filling completely."""
    if t is None or t.stage == "DONE":
        return []
    if order.purpose == "ENTRY":
        if order.status == "REJECTED":
            return _entry_done(state, t, now)
        return _entry_canceled(state, t, order, now)
    if order.purpose == "STOP_LOSS" and t.reason is None and t.position > 0:
        what = "rejected" if order.status == "REJECTED" else "cancelled"
        return naked(state, t, f"stop loss {order.cid} {what}", now)
    return _settle(state, t, now)


def naked(state: ExecState, t: Trade, detail: str, now: int) -> list[Emit]:
    incident = IncidentReported(kind="NAKED_POSITION", symbol=t.symbol, setup_id=t.setup_id,
                                detail=f"{t.side} {t.position} {t.symbol} without a confirmed stop: {detail}",
                                action="closed at market")
    return [_emit(incident, t.setup_id), *close(state, t, ExitReason.INCIDENT, now)]
