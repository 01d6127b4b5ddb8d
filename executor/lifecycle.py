"""A trade's life, as pure state changes: entry → protection → exit → PositionClosed.

Every function mutates the (already copied) `ExecState` and returns the events to emit. Order requests
go to `state.outbox` together with their `OrderSubmitted`; the venue's answers come back through
`on_report`. Protection lives in `executor.protection`, exits and the finished trade in `executor.exits`.
"""

from __future__ import annotations

from decimal import Decimal

from executor import exits, protection
from executor.filters import ceil_to, exit_triggers, floor_to
from executor.ids import client_id, intent_key
from executor.outbox import emit, place
from executor.state import ExecState, Order, Trade
from runtime.core import Emit
from schemas.config import ExecutionConfig
from schemas.envelope import Payload
from schemas.orders import EntryNotPlaced, OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, VenueError
from schemas.positions import PositionOpened
from schemas.risk import EntryApproved
from schemas.types import entry_side

ZERO = Decimal(0)
Q8 = Decimal("0.00000001")


# --- entry ----------------------------------------------------------------------------------------
def approve(state: ExecState, intent_id: str, intent: EntryApproved, execution: ExecutionConfig,
            now: int) -> list[Emit]:
    if not state.remember(f"intent/{intent_id}") or intent.setup_id in state.trades:
        return []
    f = state.filters.get(intent.symbol)
    refusal = _not_placeable(state, intent)
    if refusal:
        cid = client_id(intent_key(intent_id), "el")
        return [emit(EntryNotPlaced(setup_id=intent.setup_id, symbol=intent.symbol, client_order_id=cid,
                                    reason=refusal), intent.setup_id)]
    qty = floor_to(intent.qty, f.step_size) if f else intent.qty
    if f is not None and f.largest_qty is not None:
        qty = min(qty, floor_to(f.largest_qty, f.step_size))
    t = Trade(intent.setup_id, intent_key(intent_id), intent.symbol, intent.side, qty, intent.entry_price,
              intent.sl_pct, intent.tp_pct, intent.time_stop_seconds, intent.entry_fill_timeout_ms,
              intent.use_market_if_not_filled, now, working_type=execution.working_type,
              price_protect=execution.price_protect, entry_deadline=now + intent.entry_fill_timeout_ms)
    state.trades[t.setup_id] = t
    book = state.books.get(intent.symbol)
    touch = (book[0] if t.side == "LONG" else book[1]) if book is not None else intent.entry_price
    # at the touch (or, before any book, the governor's reference), on the passive side of the tick
    tick = f.tick_size if f else Decimal("0.01")
    price = floor_to(touch, tick) if t.side == "LONG" else ceil_to(touch, tick)
    return place(state, t, "el", entry_side(t.side), "LIMIT", "ENTRY", qty, price, now)


def _not_placeable(state: ExecState, intent: EntryApproved) -> str:
    """Why an approved entry must not be sent at all ("" when it may)."""
    if not state.stream_up:
        return "user-data stream down: its fills would not be seen"
    f = state.filters.get(intent.symbol)
    if f is None:
        return f"no exchange filters for {intent.symbol}"
    if f.status != "TRADING":
        return f"{intent.symbol} is {f.status} at the exchange, not TRADING"
    return ""


def _entry_filled(state: ExecState, t: Trade, fill: OrderFilled, now: int) -> list[Emit]:
    emits: list[Emit] = []
    first = t.entry_qty == 0
    exits.book_fill(state, t, fill, fill.fill_qty, exit_=False)
    if first:
        t.stage = "OPEN" if t.reason is None else t.stage
        t.opened_ts, t.naked_deadline = now, now + protection.GUARD_MS
        t.time_stop_ts = now + t.time_stop_s * 1000
        f = state.filters.get(t.symbol)
        tick = f.tick_size if f else Decimal("0.01")
        t.stop_price, t.tp_price = exit_triggers(t.side, t.entry_cost / t.entry_qty, t.sl_pct, t.tp_pct, tick)
        emits += protection.protect(state, t, "STOP_LOSS", t.stop_price, now)
        emits += protection.protect(state, t, "TAKE_PROFIT", t.tp_price, now)
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
        emits += protection.reprotect(state, t, now)
        t.opened_emitted = True
        emits.append(opened(t, now))
    return emits + exits.settle_close(state, t, now)


def opened(t: Trade, now: int) -> Emit:
    return emit(PositionOpened(
        setup_id=t.setup_id, symbol=t.symbol, side=t.side, qty=t.entry_qty,
        entry_price=(t.entry_cost / t.entry_qty).quantize(Q8), stop_price=t.stop_price or ZERO,
        take_profit_price=t.tp_price or ZERO, opened_ts=t.opened_ts or now, time_stop_ts=t.time_stop_ts or now,
    ), t.setup_id)


def _entry_canceled(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    """The LIMIT ended partly or not filled: MARKET for the remainder, stepped and bounded the way the
    exchange steps MARKET orders (MARKET_LOT_SIZE)."""
    f = state.filters.get(t.symbol)
    remainder = t.qty - t.entry_qty
    if f is not None:
        remainder = floor_to(remainder, f.market_step)
        if f.market_max_qty is not None:
            remainder = min(remainder, f.market_max_qty)
    book = state.books.get(t.symbol)
    ref = (book[0] + book[1]) / 2 if book else t.ref_price
    min_qty = (f.market_min_qty or f.min_qty) if f else ZERO
    big_enough = f is None or (remainder >= min_qty and remainder * ref >= f.min_notional)
    if order.type == "LIMIT" and t.use_market and t.reason is None and remainder > 0 and big_enough:
        return place(state, t, "em", entry_side(t.side), "MARKET", "ENTRY", remainder, None, now)
    return _entry_done(state, t, now)


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
        if t is None or order.purpose not in ("STOP_LOSS", "TAKE_PROFIT") or order.type == "MARKET":
            return []
        return protection.accepted(state, t, order, now)
    if isinstance(report, OrderFilled):
        return _filled(state, order, t, report, now)
    if isinstance(report, OrderCanceled):
        _unqueue(state, cid, ("cancel", "place"))
        if not order.is_open:
            return []
        order.status, order.detail = "CANCELED", report.reason
        return _ended(state, order, t, now)
    if isinstance(report, OrderRejected):
        # A stop may be refused after it was accepted (at trigger time: ALGO_UPDATE REJECTED): that ends it
        # as surely as a refusal of the request does.
        _unqueue(state, cid, ("place",))
        if not order.is_open:
            return []
        order.status, order.code, order.detail = "REJECTED", report.code, f"{report.code} {report.msg}"
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
    if t is None or (fill.trade_id is not None and fill.trade_id in t.fill_ids):
        return []  # booked already, through a settle read that saw the same exchange trade
    if order.purpose == "ENTRY":
        return [] if t.adopted else _entry_filled(state, t, fill, now)
    return exits.exit_filled(state, t, fill, now)


def _ended(state: ExecState, order: Order, t: Trade | None, now: int) -> list[Emit]:
    """An order was cancelled or rejected without filling completely."""
    if t is None or t.stage == "DONE":
        return []
    if order.purpose == "ENTRY":
        if order.status == "REJECTED":
            return _entry_done(state, t, now)
        return _entry_canceled(state, t, order, now)
    if exits.is_market_close(order):
        if order.status == "REJECTED" and t.position > 0:
            return exits.close_refused(state, t, order, now)
        return exits.settle_close(state, t, now)
    if t.reason is None and t.position > 0:
        return protection.ended(state, t, order, now)
    return exits.settle_close(state, t, now)

