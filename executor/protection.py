"""The exchange-side stop loss and take profit of an open position.

Placed at the first entry fill and replaced make-before-break when the whole entry moves them. Any end of
an accepted one that did not close the position (rejected at trigger time, expired, cancelled by the
exchange, gone after a query) ends the protection: if its trigger is already crossed the position closes
at market; otherwise it is re-placed once, and the 1 s guard applies to the new stop as to the first.
"""

from __future__ import annotations

from decimal import Decimal

from executor.exits import close
from executor.filters import exit_triggers
from executor.outbox import cancel, emit, free_cid, submit, trade_orders
from executor.state import ExecState, Order, Request, Trade
from runtime.core import Emit
from schemas.orders import ProtectionPlaced
from schemas.positions import IncidentReported
from schemas.types import ExitReason, exit_side

ZERO = Decimal(0)
# A position without a confirmed exchange-side stop this long after its fill is closed at market; the close
# itself takes a round trip, so the guard fires early enough for the position to be flat within 1 s.
GUARD_MS = 800
KINDS = {"STOP_LOSS": "stop loss", "TAKE_PROFIT": "take profit"}


def protect(state: ExecState, t: Trade, purpose: str, trigger: Decimal, now: int) -> list[Emit]:
    """Place a stop (or take profit) and make it the trade's current one."""
    stop = purpose == "STOP_LOSS"
    cid = free_cid(state, t, "sl" if stop else "tp")
    emits = submit(state, Request("place", cid, t.symbol, exit_side(t.side),
                                  "STOP_MARKET" if stop else "TAKE_PROFIT_MARKET", None, trigger,
                                  purpose=purpose, setup_id=t.setup_id, created=now,
                                  working_type=t.working_type, price_protect=t.price_protect))
    if stop:
        t.sl_cid, t.stop_price = cid, trigger
    else:
        t.tp_cid, t.tp_price = cid, trigger
    return emits


def reprotect(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """The entry is complete. The stop and take profit were computed from the first fill; when the
    whole entry's average (a MARKET remainder at another price) moves a rounded trigger, that exit is
    replaced. Algo orders cannot be modified, so: make before break. The new order is placed first and
    the old one is cancelled only once the new one is accepted; if the new one is refused, the old one
    stays and an incident says so. Both are closePosition orders on the same side; while both exist,
    whichever triggers first closes the position and the other expires unfilled. Whether Binance's algo
    endpoint refuses a second same-side closePosition order (the legacy endpoint's -4130) is not
    verified: if it does, the old exit stays."""
    if t.reason is not None or t.position <= 0 or t.stop_price is None or t.tp_price is None:
        return []
    f = state.filters.get(t.symbol)
    stop, tp = exit_triggers(t.side, t.entry_cost / t.entry_qty, t.sl_pct, t.tp_pct,
                             f.tick_size if f else Decimal("0.01"))
    emits: list[Emit] = []
    if stop != t.stop_price:
        emits += protect(state, t, "STOP_LOSS", stop, now)
    if tp != t.tp_price:
        emits += protect(state, t, "TAKE_PROFIT", tp, now)
    return emits


def current(t: Trade, purpose: str) -> str:
    return t.sl_cid if purpose == "STOP_LOSS" else t.tp_cid


def accepted(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    if order.purpose == "STOP_LOSS":
        t.stop_ok = True  # this one protects the position, whether or not it is the newest
    if t.stage == "DONE":
        return cancel(state, order, now)  # the trade ended while this exit was on its way
    live_current = current(t, order.purpose)
    if live_current and order.cid != live_current:  # superseded before it was even accepted
        live = state.orders.get(live_current)
        return cancel(state, order, now) if live is not None and live.status == "NEW" else []
    kind = "STOP_LOSS" if order.purpose == "STOP_LOSS" else "TAKE_PROFIT"
    emits = [emit(ProtectionPlaced(client_order_id=order.cid, setup_id=order.setup_id, symbol=t.symbol,
                                   kind=kind, trigger_price=order.price or ZERO), t.setup_id)]
    for o in trade_orders(state, t):  # the replaced one goes only now that its successor stands
        if o.purpose == order.purpose and o.cid != order.cid and o.status == "NEW" and o.type == order.type:
            emits += cancel(state, o, now)
    return emits


def ended(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    """A stop or take profit ended without closing the position, which is still open."""
    live_current = current(t, order.purpose)
    if live_current and order.cid != live_current:
        return []  # a replaced one, cancelled by us
    older = [o for o in trade_orders(state, t)
             if o.purpose == order.purpose and o.type == order.type and o.cid != order.cid and o.status == "NEW"]
    if older:  # a replacement was refused: the previous order still protects the position
        keep = older[-1]
        if order.purpose == "STOP_LOSS":
            t.sl_cid, t.stop_price, t.stop_ok = keep.cid, keep.price, True
        else:
            t.tp_cid, t.tp_price = keep.cid, keep.price
        return [emit(IncidentReported(
            kind="PROTECTION_NOT_REPLACED", symbol=t.symbol, setup_id=t.setup_id,
            detail=f"replacement {order.cid} at {order.price} {how_it_ended(order)}",
            action=f"kept {keep.cid} at {keep.price}", halts=False), t.setup_id)]
    stop = order.purpose == "STOP_LOSS"
    trigger = order.price if order.price is not None else (t.stop_price if stop else t.tp_price)
    what = f"{KINDS[order.purpose]} {order.cid} at {trigger} {how_it_ended(order)}"
    if trigger is not None and crossed(state, t, stop, trigger):
        if stop:
            return naked(state, t, f"stop refused: {what}, and its trigger is already crossed", now)
        incident = IncidentReported(kind="TAKE_PROFIT_ENDED", symbol=t.symbol, setup_id=t.setup_id,
                                    detail=f"{what}, and its target is already crossed",
                                    action="closed at market", halts=False)
        return [emit(incident, t.setup_id), *close(state, t, ExitReason.TP, now)]
    if order.purpose in t.replaced or trigger is None:
        if stop:
            return naked(state, t, f"stop refused again: {what}", now)
        return [emit(IncidentReported(kind="TAKE_PROFIT_ENDED", symbol=t.symbol, setup_id=t.setup_id,
                                      detail=f"{what}, after it was re-placed once",
                                      action="no take profit: the stop loss and the time stop remain",
                                      halts=False), t.setup_id)]
    t.replaced = (*t.replaced, order.purpose)
    emits = protect(state, t, order.purpose, trigger, now)
    if stop:
        # unprotected since this stop ended, or since the fill when it never stood: the guard does not restart
        protected_until_now = order.status == "CANCELED" or order.exchange_id != ""
        deadline = now + GUARD_MS if protected_until_now or t.naked_deadline is None else t.naked_deadline
        t.stop_ok, t.naked_deadline = False, deadline
    new_cid = current(t, order.purpose)
    incident = IncidentReported(
        kind="STOP_REPLACED" if stop else "TAKE_PROFIT_REPLACED", symbol=t.symbol, setup_id=t.setup_id,
        detail=what, halts=False,
        action=f"re-placed as {new_cid}" + ("; closed at market if not confirmed in time" if stop else ""))
    return [emit(incident, t.setup_id), *emits]


def how_it_ended(order: Order) -> str:
    if order.status == "REJECTED":
        return f"was rejected ({order.detail or 'no reason given'})"
    reason = order.detail or "CANCELED"
    if reason.startswith("UNKNOWN"):
        return f"is unknown at the exchange ({reason})"
    return f"was {reason.split(':')[0].lower()} by the exchange" + (f" ({reason})" if ":" in reason else "")


def crossed(state: ExecState, t: Trade, stop: bool, trigger: Decimal) -> bool:
    """Whether the market is already past a trigger (the book's mid stands in for the mark price)."""
    book = state.books.get(t.symbol)
    if book is None:
        return False
    mid = (book[0] + book[1]) / 2
    falling = (t.side == "LONG") == stop  # a LONG's stop and a SHORT's take profit trigger on the way down
    return mid <= trigger if falling else mid >= trigger


def guard_expired(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """The guard ran out with no confirmed stop: name what happened, then close at market."""
    order = state.orders.get(t.sl_cid) if t.sl_cid else None
    if order is None:
        detail = "no stop loss was placed"
    elif order.status == "PENDING":
        detail = (f"stop slow: {order.cid} not confirmed by the exchange within {GUARD_MS} ms (request still in "
                  "flight)")
    elif order.status == "REJECTED":
        detail = f"stop refused: {order.cid} was rejected ({order.detail})"
    else:
        detail = f"stop {order.cid} is {order.status}"
    return naked(state, t, detail, now)


def naked(state: ExecState, t: Trade, detail: str, now: int) -> list[Emit]:
    incident = IncidentReported(kind="NAKED_POSITION", symbol=t.symbol, setup_id=t.setup_id,
                                detail=f"{t.side} {t.position} {t.symbol} without a confirmed stop: {detail}",
                                action="closed at market")
    return [emit(incident, t.setup_id), *close(state, t, ExitReason.INCIDENT, now)]
