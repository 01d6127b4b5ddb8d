"""A trade's life, as pure state changes: entry → protection → exit → PositionClosed.

Every function mutates the (already copied) `ExecState` and returns the events to emit. Order requests
go to `state.outbox` together with their `OrderSubmitted`; the venue's answers come back through
`on_report`.
"""

from __future__ import annotations

from decimal import Decimal

from executor.filters import ceil_to, exit_triggers, floor_to
from executor.ids import intent_key
from executor.requests import cancel, emit, free_cid, place, submit, trade_orders
from executor.state import ExecState, Order, Request, Trade
from runtime.core import Emit
from schemas.envelope import Payload
from schemas.orders import (
    AccountUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
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
    return place(state, t, "el", entry_side(t.side), "LIMIT", "ENTRY", qty, price, now)


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
        emits += _protect(state, t, "STOP_LOSS", t.stop_price, now)
        emits += _protect(state, t, "TAKE_PROFIT", t.tp_price, now)
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
        emits += _reprotect(state, t, now)
        t.opened_emitted = True
        emits.append(emit(PositionOpened(
            setup_id=t.setup_id, symbol=t.symbol, side=t.side, qty=t.entry_qty,
            entry_price=(t.entry_cost / t.entry_qty).quantize(Q8), stop_price=t.stop_price or ZERO,
            take_profit_price=t.tp_price or ZERO, opened_ts=t.opened_ts, time_stop_ts=t.time_stop_ts or now,
        ), t.setup_id))
    return emits + _settle(state, t, now)


def _protect(state: ExecState, t: Trade, purpose: str, trigger: Decimal, now: int) -> list[Emit]:
    """Place a stop (or take profit) and make it the trade's current one."""
    stop = purpose == "STOP_LOSS"
    cid = free_cid(state, t, "sl" if stop else "tp")
    emits = submit(state, Request("place", cid, t.symbol, exit_side(t.side),
                                  "STOP_MARKET" if stop else "TAKE_PROFIT_MARKET", None, trigger,
                                  purpose=purpose, setup_id=t.setup_id, created=now))
    if stop:
        t.sl_cid, t.stop_price = cid, trigger
    else:
        t.tp_cid, t.tp_price = cid, trigger
    return emits


def _reprotect(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """The entry is complete. The stop and take profit were computed from the first fill; when the
    whole entry's average (a MARKET remainder at another price) moves a rounded trigger, that exit is
    replaced. Algo orders cannot be modified, so: make before break. The new order is placed first and
    the old one is cancelled only once the new one is accepted (on_report); if the new one is refused,
    the old one stays and an incident says so. Both are closePosition orders on the same side; while
    both exist, whichever triggers first closes the position and the other expires unfilled (the
    simulator does exactly that). Whether Binance's algo endpoint refuses a second same-side
    closePosition order (the legacy endpoint's -4130) is not verified: if it does, the old exit stays."""
    if t.reason is not None or t.position <= 0 or t.stop_price is None or t.tp_price is None:
        return []
    f = state.filters.get(t.symbol)
    stop, tp = exit_triggers(t.side, t.entry_cost / t.entry_qty, t.sl_pct, t.tp_pct,
                             f.tick_size if f else Decimal("0.01"))
    emits: list[Emit] = []
    if stop != t.stop_price:
        emits += _protect(state, t, "STOP_LOSS", stop, now)
    if tp != t.tp_price:
        emits += _protect(state, t, "TAKE_PROFIT", tp, now)
    return emits


def _current(t: Trade, purpose: str) -> str:
    return t.sl_cid if purpose == "STOP_LOSS" else t.tp_cid


def _protection_accepted(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    if t.stage == "DONE":
        return cancel(state, order, now)  # the trade ended while this exit was on its way
    current = _current(t, order.purpose)
    if current and order.cid != current:  # superseded before it was even accepted
        live = state.orders.get(current)
        return cancel(state, order, now) if live is not None and live.status == "NEW" else []
    kind = "STOP_LOSS" if order.purpose == "STOP_LOSS" else "TAKE_PROFIT"
    emits = [emit(ProtectionPlaced(client_order_id=order.cid, setup_id=order.setup_id, symbol=t.symbol,
                                    kind=kind, trigger_price=order.price or ZERO), t.setup_id)]
    for o in trade_orders(state, t):  # the replaced one goes only now that its successor stands
        if o.purpose == order.purpose and o.cid != order.cid and o.status == "NEW":
            emits += cancel(state, o, now)
    return emits


def _protection_ended(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    """A stop or take profit was cancelled or refused while the position is open."""
    current = _current(t, order.purpose)
    if current and order.cid != current:
        return []  # a replaced one, cancelled by us
    older = [o for o in trade_orders(state, t)
             if o.purpose == order.purpose and o.cid != order.cid and o.status == "NEW"]
    if older:  # a replacement was refused: the previous order still protects the position
        keep = older[-1]
        if order.purpose == "STOP_LOSS":
            t.sl_cid, t.stop_price = keep.cid, keep.price
        else:
            t.tp_cid, t.tp_price = keep.cid, keep.price
        return [emit(IncidentReported(
            kind="PROTECTION_NOT_REPLACED", symbol=t.symbol, setup_id=t.setup_id,
            detail=f"replacement {order.cid} at {order.price} {order.status.lower()}",
            action=f"kept {keep.cid} at {keep.price}"), t.setup_id)]
    if order.purpose == "STOP_LOSS":
        what = "rejected" if order.status == "REJECTED" else "cancelled"
        return naked(state, t, f"stop loss {order.cid} {what}", now)
    return []


def _entry_canceled(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    remainder = t.qty - t.entry_qty
    f = state.filters.get(t.symbol)
    book = state.books.get(t.symbol)
    ref = (book[0] + book[1]) / 2 if book else t.ref_price
    big_enough = f is None or (remainder >= f.min_qty and remainder * ref >= f.min_notional)
    if order.type == "LIMIT" and t.use_market and t.reason is None and remainder > 0 and big_enough:
        return place(state, t, "em", entry_side(t.side), "MARKET", "ENTRY", remainder, None, now)
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
            emits += cancel(state, o, now)
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
            return [emit(IncidentReported(
                kind="CLOSE_FAILED", symbol=t.symbol, setup_id=t.setup_id,
                detail=f"{MAX_CLOSE_ATTEMPTS} market closes of {t.position} rejected",
                action="left to the exchange-side stop and take profit; flatten to retry"), t.setup_id)]
        return []
    if t.position > 0 and not closing:
        leg = EXIT_LEGS.get(ExitReason(t.reason))
        if leg is not None:
            return place(state, t, leg, exit_side(t.side), "MARKET", _purpose(t.reason), t.position,
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
                emits += cancel(state, o, now)
        return emits + (finish(state, t, now) if t.entry_done else [])
    return []


def finish(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """Flat: cancel what is left of the trade's orders and report the trade."""
    if t.stage == "DONE":
        return []
    emits: list[Emit] = []
    for o in trade_orders(state, t):
        emits += cancel(state, o, now)
    t.stage = "DONE"
    qty = t.exit_qty
    entry_avg, exit_avg = t.entry_cost / t.entry_qty, t.exit_cost / qty
    sign = 1 if t.side == "LONG" else -1
    fees = t.entry_fees + t.exit_fees
    pnl = sign * (exit_avg - entry_avg) * qty - fees
    slippage = sign * (entry_avg - t.ref_price) / t.ref_price * 10_000
    state.equity += pnl
    emits.append(emit(PositionClosed(
        setup_id=t.setup_id, symbol=t.symbol, side=t.side, reason=ExitReason(t.reason or "INCIDENT"),
        qty=qty, entry_price=entry_avg.quantize(Q8), exit_price=exit_avg.quantize(Q8),
        pnl_usdt=pnl.quantize(Q8), pnl_pct=(pnl / (entry_avg * qty)).quantize(Q8), fees_usdt=fees.quantize(Q8),
        slippage_bps=slippage.quantize(Decimal("0.01")), opened_ts=t.opened_ts or now, closed_ts=now,
        duration_ms=now - (t.opened_ts or now),
    ), t.setup_id))
    emits.append(emit(account_payload(state), t.setup_id))
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
        return _protection_accepted(state, t, order, now)
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
    if order.purpose in ("STOP_LOSS", "TAKE_PROFIT") and t.reason is None and t.position > 0:
        return _protection_ended(state, t, order, now)
    return _settle(state, t, now)


def naked(state: ExecState, t: Trade, detail: str, now: int) -> list[Emit]:
    incident = IncidentReported(kind="NAKED_POSITION", symbol=t.symbol, setup_id=t.setup_id,
                                detail=f"{t.side} {t.position} {t.symbol} without a confirmed stop: {detail}",
                                action="closed at market")
    return [emit(incident, t.setup_id), *close(state, t, ExitReason.INCIDENT, now)]
