"""Leaving a position: market closes (time stop, flatten, incident) that retry until they fill, the exit
fills (ours, and the exchange's own: liquidation, auto-deleverage, anyone's manual order), the finished
trade and its money as the exchange booked it.

Every function mutates the (already copied) `ExecState` and returns the events to emit.
"""

from __future__ import annotations

from decimal import Decimal

from executor.ids import purpose_of
from executor.outbox import cancel, emit, place, submit, trade_orders
from executor.state import ExecState, Order, Request, Trade
from runtime.core import Emit
from schemas.account import AccountUpdated
from schemas.orders import ExternalFill, OrderFilled
from schemas.positions import IncidentReported, PositionClosed
from schemas.types import ExitReason, exit_side

ZERO = Decimal(0)
Q8 = Decimal("0.00000001")
# the leg of the market close each reason sends (TP: a take profit refused with its target already crossed)
EXIT_LEGS = {ExitReason.TIME_STOP: "ts", ExitReason.FLATTEN: "fl", ExitReason.INCIDENT: "in", ExitReason.TP: "tm"}
CLOSE_PURPOSES = {"ts": "TIME_STOP", "fl": "FLATTEN", "in": "INCIDENT", "tm": "TAKE_PROFIT"}
CLOSE_ALERT_AFTER = 3  # rejected closes in a row before the operator is alerted (and every 10th after)
# reduce-only refused: the exchange holds less than our books say, so read what it holds before retrying
NOTHING_TO_REDUCE = frozenset({-2022, -4118})
HALTING_KINDS = {"LIQUIDATION": True, "ADL": False, "EXTERNAL": False}
OWN_EXIT_REASONS = {"STOP_LOSS": ExitReason.SL, "TAKE_PROFIT": ExitReason.TP, "TIME_STOP": ExitReason.TIME_STOP,
                    "FLATTEN": ExitReason.FLATTEN, "INCIDENT": ExitReason.INCIDENT}


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
    return emits + settle_close(state, t, now)


def is_market_close(order: Order) -> bool:
    return order.purpose != "ENTRY" and order.type == "MARKET"


def settle_close(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """While closing: send a market close for what is held once no entry order can add to it, again after a
    rejection (with backoff) until one fills; finish once flat."""
    if t.stage != "CLOSING" or t.reason is None:
        return []
    orders = trade_orders(state, t)
    if any(o.purpose == "ENTRY" and o.is_open for o in orders):
        return []
    if t.position > 0 and not any(is_market_close(o) and o.is_open for o in orders):
        if t.settling or (t.close_retry_at is not None and now < t.close_retry_at):
            return []  # the venue is being read, or the next attempt is due later (the timer sends it)
        t.close_retry_at = None
        leg = EXIT_LEGS.get(ExitReason(t.reason))
        if leg is not None:
            return place(state, t, leg, exit_side(t.side), "MARKET", CLOSE_PURPOSES[leg], t.position, None, now,
                         reduce_only=True)
    if t.position <= 0 and t.entry_done:
        return finish(state, t, now)
    return []


def retry_delay_ms(attempts: int) -> int:
    return int(min(30_000, 500 * 2 ** (attempts - 1)))


def close_refused(state: ExecState, t: Trade, order: Order, now: int) -> list[Emit]:
    """A market close was rejected. The position is still ours to close: never give up, back off, alert."""
    t.close_attempts += 1
    if order.code in NOTHING_TO_REDUCE:
        return request_settle(state, t, now, f"close {order.cid} refused: {order.detail}")
    t.close_retry_at = now + retry_delay_ms(t.close_attempts)
    n = t.close_attempts
    if n != CLOSE_ALERT_AFTER and not (n > CLOSE_ALERT_AFTER and n % 10 == 0):
        return []
    t.close_failed = True
    return [emit(IncidentReported(
        kind="CLOSE_FAILED", symbol=t.symbol, setup_id=t.setup_id,
        detail=f"{n} market closes of {t.position} rejected in a row; last: {order.detail}",
        action=f"retrying with backoff until one fills (next in {retry_delay_ms(n) / 1000:.1f} s)"),
        t.setup_id)]


def request_settle(state: ExecState, t: Trade, now: int, why: str) -> list[Emit]:
    """Ask the venue for the symbol's fills and position since the trade began (answered by the fills we
    have not booked, then a PositionReported)."""
    if t.settling:
        return []
    t.settling = True
    state.settles += 1
    return submit(state, Request("settle", f"settle-{state.settles}", t.symbol, purpose=why, setup_id=t.setup_id,
                                 since=t.opened_ts if t.opened_ts is not None else t.approved_ts, created=now))


def book_fill(state: ExecState, t: Trade, fill: OrderFilled | ExternalFill, qty: Decimal, exit_: bool) -> None:
    """Add one fill's quantity, cost, commission and realized PnL to the trade."""
    price = fill.fill_price if isinstance(fill, OrderFilled) else fill.price
    fee = fill.fee if fill.fee is not None else fill.fee_usdt
    if fill.trade_id is not None:
        t.fill_ids = (*t.fill_ids, fill.trade_id)
    fees = dict(t.fees_by_asset)
    fees[fill.fee_asset] = fees.get(fill.fee_asset, ZERO) + fee
    t.fees_by_asset = tuple(sorted(fees.items()))
    if fill.fee_asset != "USDT":
        state.fee_debt += fill.fee_usdt
    if exit_:
        t.exit_qty += qty
        t.exit_cost += qty * price
        t.exit_fees += fill.fee_usdt
        if fill.realized_pnl is None:
            t.realized_known = False
        else:
            t.realized += fill.realized_pnl
    else:
        t.entry_qty += qty
        t.entry_cost += qty * price
        t.entry_fees += fill.fee_usdt


def exit_filled(state: ExecState, t: Trade, fill: OrderFilled, now: int) -> list[Emit]:
    book_fill(state, t, fill, fill.fill_qty, exit_=True)
    t.close_attempts, t.close_retry_at = 0, None
    if t.reason is None:
        t.reason = ExitReason.SL if fill.purpose == "STOP_LOSS" else ExitReason.TP
        t.stage = "CLOSING"
    return after_exit(state, t, now)


def external_fill(state: ExecState, fill: ExternalFill, now: int) -> list[Emit]:
    """A fill by an order that is not ours. On the closing side of our open trade it is that trade's exit
    (the trade ends with the fill's own reason and real price); anything else is a foreign fill."""
    if fill.trade_id is not None and any(fill.trade_id in x.fill_ids for x in state.trades.values()):
        return []  # booked already (the stream and a settle read both saw it), on an open or a finished trade
    t = open_trade(state, fill.symbol)
    own = purpose_of(fill.client_order_id) if t is not None and fill.client_order_id.startswith(f"lf-{t.key}-") \
        else None
    if own == "ENTRY":
        return []  # an entry fill of a trade rebuilt from the exchange: its quantity is the adopted one
    if t is None or fill.side != exit_side(t.side) or t.position <= 0:
        return [emit(IncidentReported(
            kind="FOREIGN_FILL", symbol=fill.symbol, setup_id=None,
            detail=f"{fill.kind} fill {fill.side} {fill.qty} {fill.symbol} at {fill.price} by order "
                   f"{fill.client_order_id or fill.order_id}, not one of ours",
            action="none: the position it makes is not ours (check the account)"), None)]
    qty = min(fill.qty, t.position)
    book_fill(state, t, fill, qty, exit_=True)
    if t.reason is None and t.position <= 0:  # a part closed elsewhere leaves the trade open with its exits
        t.reason = OWN_EXIT_REASONS.get(own, ExitReason.EXTERNAL) if own is not None else ExitReason(fill.kind)
        t.stage = "CLOSING"
    if own is not None:  # one of this trade's own exits, known to us only by its client id (record lost)
        return after_exit(state, t, now)
    incident = IncidentReported(
        kind=f"CLOSED_BY_{fill.kind}", symbol=fill.symbol, setup_id=t.setup_id,
        detail=f"{fill.kind.lower()} {fill.side} {qty} at {fill.price} (order {fill.client_order_id}); "
               f"{t.position} left",
        action="trade booked with the exchange's price; remaining exits cancelled" if t.position <= 0
        else "the rest of the position keeps its exits", halts=HALTING_KINDS[fill.kind])
    return [emit(incident, t.setup_id), *after_exit(state, t, now)]


def open_trade(state: ExecState, symbol: str) -> Trade | None:
    """The trade holding (or entering) a position in `symbol`: at most one (one position per symbol)."""
    return next((t for t in sorted(state.trades.values(), key=lambda x: x.setup_id)
                 if t.symbol == symbol and t.stage != "DONE"), None)


def after_exit(state: ExecState, t: Trade, now: int) -> list[Emit]:
    if t.position > 0:
        return settle_close(state, t, now) if t.stage == "CLOSING" and t.close_retry_at is None else []
    t.entry_done = t.entry_done or not any(o.purpose == "ENTRY" and o.is_open for o in trade_orders(state, t))
    emits: list[Emit] = []
    for o in trade_orders(state, t):
        if o.purpose == "ENTRY":
            emits += cancel(state, o, now)
    return emits + (finish(state, t, now) if t.entry_done else [])


def finish(state: ExecState, t: Trade, now: int) -> list[Emit]:
    """Flat: cancel what is left of the trade's orders and report the trade with the exchange's money:
    its realized PnL (`rp`) less every commission (converted to USDT at its fill) plus funding."""
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
    gross = t.realized if t.realized_known else sign * (exit_avg - entry_avg) * qty
    pnl = gross - fees + t.funding
    slippage = sign * (entry_avg - t.ref_price) / t.ref_price * 10_000
    state.equity += pnl
    emits.append(emit(PositionClosed(
        setup_id=t.setup_id, symbol=t.symbol, side=t.side, reason=ExitReason(t.reason or "INCIDENT"),
        qty=qty, entry_price=entry_avg.quantize(Q8), exit_price=exit_avg.quantize(Q8),
        pnl_usdt=pnl.quantize(Q8), pnl_pct=(pnl / (entry_avg * qty)).quantize(Q8), fees_usdt=fees.quantize(Q8),
        slippage_bps=slippage.quantize(Decimal("0.01")), opened_ts=t.opened_ts or now, closed_ts=now,
        duration_ms=now - (t.opened_ts or now), funding_usdt=t.funding.quantize(Q8),
        fees_by_asset={asset: amount.quantize(Q8) for asset, amount in t.fees_by_asset},
    ), t.setup_id))
    emits.append(emit(account_payload(state), t.setup_id))
    return emits


def account_payload(state: ExecState) -> AccountUpdated:
    """Paper: the paper account. Live: the exchange's USDT wallet plus unrealized PnL, less the commissions
    paid in other assets; before the exchange has reported a wallet, the equity we track."""
    acct = state.paper
    if acct is not None:
        equity = acct.balance + acct.unrealized()
        return AccountUpdated(equity=equity.quantize(Q8), wallet_balance=acct.balance.quantize(Q8),
                              available=acct.available().quantize(Q8))
    if state.wallet is None:
        eq = state.equity.quantize(Q8)
        return AccountUpdated(equity=eq, wallet_balance=eq, available=eq)
    equity = state.wallet + sum(state.unrealized.values(), ZERO) - state.fee_debt
    state.equity = equity
    available = state.available if state.available is not None else state.wallet
    return AccountUpdated(equity=equity.quantize(Q8), wallet_balance=state.wallet.quantize(Q8),
                          available=(available - state.fee_debt).quantize(Q8))
