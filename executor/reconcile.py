"""Our books against the exchange's: its position after the fills a settle read found, and trades rebuilt
from the exchange when our own record was lost.

Side and size are compared. Equal: nothing to do (a close in progress goes on). The exchange flat: the trade
ends (its exits came as fills; with none found, at the book's price, as an incident). Same side, smaller: the
trade is resized to what the exchange holds (the closePosition exits cover any size). Larger, or the other
side: the difference is not ours, so the trade closes at market with an incident that stops trading.
"""

from __future__ import annotations

from decimal import Decimal

from executor.exits import after_exit, close, open_trade, settle_close
from executor.lifecycle import opened
from executor.outbox import emit
from executor.protection import GUARD_MS, protect
from executor.state import ExecState, Order, Trade
from runtime.core import Emit
from schemas.orders import PositionReported
from schemas.positions import IncidentReported, TradeAdopted
from schemas.types import ExitReason

ZERO = Decimal(0)


def position_reported(state: ExecState, report: PositionReported, now: int) -> list[Emit]:
    if report.request is not None:
        state.outbox = [r for r in state.outbox if not (r.action == "settle" and r.cid == report.request)]
    t = open_trade(state, report.symbol)
    if t is None:
        return []  # a position that is not ours is the boot check's to report
    t.settling = False
    held = t.position if t.side == "LONG" else -t.position
    amount = report.amount
    if amount == held:
        return settle_close(state, t, now)
    same_side = amount != 0 and (amount > 0) == (t.side == "LONG")
    price = _mark(state, t)
    if same_side and abs(amount) < t.position:
        gone = t.position - abs(amount)
        _book_exit(t, gone, price)
        return [_incident(t, "POSITION_RESIZED", f"the exchange holds {amount}, our trade {held} ({report.reason})",
                          f"trade resized to {abs(amount)} ({gone} booked as closed outside the bot at {price}); "
                          "its closePosition exits cover the rest", halts=False)]
    if same_side:
        extra = abs(amount) - t.position
        t.entry_qty += extra
        t.entry_cost += extra * report.entry_price
        detail = f"the exchange holds {amount}, our trade {held} ({report.reason})"
        return [_incident(t, "POSITION_MISMATCH", detail, "closed at market: the excess is not ours"),
                *close(state, t, ExitReason.INCIDENT, now)]
    remaining = t.position
    _book_exit(t, remaining, price)
    if t.reason is None:
        t.reason, t.stage = ExitReason.EXTERNAL, "CLOSING"
    if amount == 0:
        detail = f"our {held} {t.symbol} is flat at the exchange and no fill of its close could be read"
        action = f"trade closed at the book's {price}"
    else:
        detail = f"the exchange holds {amount} {t.symbol}, the other side of our {held}"
        action = f"our trade closed at the book's {price}; the position at the exchange is not ours"
    return [_incident(t, "POSITION_GONE", f"{detail} ({report.reason})", action), *after_exit(state, t, now)]


def adopt(state: ExecState, p: TradeAdopted, now: int) -> list[Emit]:
    """A trade rebuilt from the exchange (and PostgreSQL's open trade): its working orders become ours
    again; a missing stop or take profit is placed at once, under the 1 s guard."""
    if p.setup_id in state.trades:
        return []
    t = Trade(p.setup_id, p.key, p.symbol, p.side, p.qty, p.entry_price, p.sl_pct, p.tp_pct,
              max(0, (p.time_stop_ts - p.opened_ts) // 1000), 0, False, now, stage="OPEN", entry_qty=p.qty,
              entry_cost=p.qty * p.entry_price, entry_done=True, opened_ts=p.opened_ts, time_stop_ts=p.time_stop_ts,
              stop_price=p.stop_price, tp_price=p.take_profit_price, opened_emitted=True, adopted=True)
    state.trades[t.setup_id] = t
    for o in p.orders:
        state.orders[o.client_order_id] = Order(o.client_order_id, t.setup_id, t.symbol, "", o.order_type,
                                                o.purpose, None, o.price, status="NEW",
                                                exchange_id=o.exchange_order_id)
        if o.purpose == "STOP_LOSS":
            t.sl_cid, t.stop_ok = o.client_order_id, True
        elif o.purpose == "TAKE_PROFIT":
            t.tp_cid = o.client_order_id
    emits = [opened(t, now), _incident(t, "TRADE_ADOPTED", f"{t.side} {t.qty} {t.symbol} at the exchange matches "
                                       f"open trade {t.setup_id}; our record of it was lost",
                                       "adopted with its working exits", halts=False)]
    if not t.sl_cid and t.stop_price is not None:
        t.naked_deadline = now + GUARD_MS
        emits += protect(state, t, "STOP_LOSS", t.stop_price, now)
    if not t.tp_cid and t.tp_price is not None:
        emits += protect(state, t, "TAKE_PROFIT", t.tp_price, now)
    return emits


def _mark(state: ExecState, t: Trade) -> Decimal:
    book = state.books.get(t.symbol)
    return (book[0] + book[1]) / 2 if book else t.entry_cost / t.entry_qty


def _book_exit(t: Trade, qty: Decimal, price: Decimal) -> None:
    t.exit_qty += qty
    t.exit_cost += qty * price
    t.realized_known = False  # no fill says what the exchange realized: computed from prices


def _incident(t: Trade, kind: str, detail: str, action: str, halts: bool = True) -> Emit:
    return emit(IncidentReported(kind=kind, symbol=t.symbol, setup_id=t.setup_id, detail=detail, action=action,
                                 halts=halts), t.setup_id)
