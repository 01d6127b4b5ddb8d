"""Exposure: the trade entries that count against the position limits, folded from the executor's events.

An entry counts from the moment it is approved until the executor says it is over: `PositionClosed`,
or an entry order that ended with nothing filled and nothing left to come. The executor's contract
(DESIGN §6) as the governor reads it:
- every entry order is announced by `OrderSubmitted(purpose=ENTRY)` before its fills or its end;
- a LIMIT cancelled unfilled is followed by a MARKET when `use_market_if_not_filled` — so that cancel
  does not end the entry, the MARKET's end does;
- a rejected entry order gets no fallback.
An entry order, fill or position the governor did not approve (adopted at reconcile, or retried by the
executor after the governor let go) is counted from the moment it is seen. Waiting too long is the safe
failure here: a stuck entry blocks new entries and shows in the Heartbeat; a flatten clears it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from governor.state import Entry, GovState
from schemas.orders import OrderFilled, OrderSubmitted
from schemas.positions import PositionOpened
from schemas.types import OrderSide, PositionSide, Symbol


def _position_side(order_side: OrderSide) -> PositionSide:
    return "LONG" if order_side == "BUY" else "SHORT"


def _put(state: GovState, entry: Entry) -> GovState:
    return replace(state, entries={**state.entries, entry.setup_id: entry})


def _drop(state: GovState, setup_id: str) -> GovState:
    return replace(state, entries={k: v for k, v in state.entries.items() if k != setup_id})


def _known(state: GovState, setup_id: str, symbol: Symbol, side: PositionSide) -> Entry:
    return state.entries.get(setup_id) or Entry(setup_id=setup_id, symbol=symbol, side=side)


def approve(state: GovState, setup_id: str, symbol: Symbol, side: PositionSide, use_market: bool) -> GovState:
    return _put(state, Entry(setup_id=setup_id, symbol=symbol, side=side, use_market=use_market))


def order_submitted(state: GovState, order: OrderSubmitted) -> GovState:
    if order.purpose != "ENTRY" or order.setup_id is None:
        return state
    entry = _known(state, order.setup_id, order.symbol, _position_side(order.side))
    live = tuple(o for o in entry.live_orders if o[0] != order.client_order_id)
    return _put(state, replace(entry, live_orders=(*live, (order.client_order_id, order.order_type))))


def order_filled(state: GovState, fill: OrderFilled) -> GovState:
    if fill.purpose != "ENTRY" or fill.setup_id is None:
        return state
    entry = _known(state, fill.setup_id, fill.symbol, _position_side(fill.side))
    live = tuple(o for o in entry.live_orders if not (fill.final and o[0] == fill.client_order_id))
    return _put(state, replace(entry, filled=True, live_orders=live))


def order_ended(state: GovState, setup_id: str | None, client_order_id: str, filled_qty: Decimal,
                rejected: bool) -> GovState:
    """An order was cancelled or rejected. Ends a pending entry when nothing filled and nothing follows."""
    entry = state.entries.get(setup_id) if setup_id is not None else None
    if entry is None or entry.stage != "pending":
        return state  # not an entry we count, or a position's exit order
    known = dict(entry.live_orders)
    if client_order_id not in known and entry.live_orders:
        return state  # some other order of this setup; the entry order is still live
    order_type = known.get(client_order_id, "LIMIT")  # unannounced: assume the LIMIT (waits longer)
    live = tuple(o for o in entry.live_orders if o[0] != client_order_id)
    entry = replace(entry, live_orders=live, filled=entry.filled or filled_qty > 0)
    fallback_follows = entry.use_market and order_type == "LIMIT" and not rejected and not entry.flattening
    if entry.filled or live or fallback_follows:
        return _put(state, entry)
    return _drop(state, entry.setup_id)


def position_opened(state: GovState, opened: PositionOpened) -> GovState:
    entry = _known(state, opened.setup_id, opened.symbol, opened.side)
    return _put(state, replace(entry, stage="open", filled=True, live_orders=()))


def position_closed(state: GovState, setup_id: str) -> GovState:
    return _drop(state, setup_id)


def flatten(state: GovState) -> GovState:
    """After a flatten order: pending entries with no live order are over now (their fallback will not
    come); the others end with their next terminal order event. Open positions end with PositionClosed."""
    kept: dict[str, Entry] = {}
    for setup_id, entry in state.entries.items():
        if entry.stage == "pending" and not entry.filled and not entry.live_orders:
            continue
        kept[setup_id] = replace(entry, flattening=True) if entry.stage == "pending" else entry
    return replace(state, entries=kept)


def describe(state: GovState) -> tuple[str, ...]:
    return tuple(f"{e.setup_id}:{e.stage}" for _, e in sorted(state.entries.items()))
