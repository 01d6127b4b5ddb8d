"""Conditional (algo) orders on the pure account: placement, cancel, trigger, and how a trigger plays out.

An algo order triggers on its working type's price: MARK_PRICE on the mark, CONTRACT_PRICE on the last
price (the book mid). [doc] New Algo Order: with ``priceProtect`` "the difference rate between MARK_PRICE
and CONTRACT_PRICE cannot be larger than the triggerProtect of the symbol"; we take the rate as
|last - mark| / mark ([inf]: the base is not stated) and hold the trigger while it is larger.

At the trigger the algo goes TRIGGERING, then either a queued refusal ends it (REJECTED/EXPIRED with
``rm``, no engine order: since 2025-12-15 trigger-time rejections come only as ALGO_UPDATE, reference
§3.5 [doc]), or a MARKET engine order fills and the pushes come out in the account's
:class:`~exchange.settings.TriggerPlay` order. TRIGGERED always carries ``ai`` with ``ap``/``aq`` "0"
and ``act`` "MARKET", FINISHED the real ``ap``/``aq`` (a real TRIGGERED push, nautilus_trader #3287 [obs]).
"""

from __future__ import annotations

from decimal import Decimal

from exchange import fills, user_data
from exchange.account_state import AccountState
from exchange.errors import BinanceError
from exchange.records import ZERO, AlgoOrder, Event, Order, TriggerRefusal, check_client_id, check_qty, check_tick
from exchange.settings import check_position_side


def new_algo(
    acct: AccountState,
    symbol: str,
    side: str,
    type_: str,
    qty: Decimal | None,
    trigger: Decimal,
    close_position: bool,
    reduce_only: bool,
    working_type: str,
    client_algo_id: str,
    now: int,
    *,
    price_protect: bool = False,
    position_side: str | None = None,
    reduce_only_sent: bool = False,
) -> tuple[AlgoOrder, list[Event]]:
    spec = acct.spec(symbol)
    if type_ not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
        raise BinanceError(-1116, "Invalid orderType.")
    check_position_side(acct.settings, position_side, reduce_only or reduce_only_sent)
    check_client_id(
        client_algo_id,
        any(a.client_algo_id == client_algo_id and a.status == "NEW" for a in acct.algos.values()),
    )
    if close_position and (qty is not None or reduce_only):
        raise BinanceError(
            -1106,
            "Parameter 'quantity' sent when not required."
            if qty is not None
            else "Parameter 'reduceOnly' sent when not required.",
        )
    if not close_position:
        if qty is None:
            raise BinanceError(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        check_qty(spec, qty)
    check_tick(spec, trigger)
    price = reference_price(acct, symbol, working_type)
    if price is not None and crossed(type_, side, trigger, price):
        raise BinanceError(-2021, "Order would immediately trigger.")
    acct.next_algo_id += 1
    algo = AlgoOrder(
        acct.next_algo_id,
        client_algo_id,
        symbol,
        side,
        type_,
        qty or ZERO,
        trigger,
        close_position,
        reduce_only,
        working_type,
        now,
        update_time=now,
        price_protect=price_protect,
    )
    acct.algos[algo.algo_id] = algo
    return algo, [user_data.algo_update(algo, spec, now)]


def cancel_algo(
    acct: AccountState, algo_id: int | None, client_algo_id: str | None, now: int
) -> tuple[AlgoOrder, list[Event]]:
    algo = acct.find_algo(algo_id, client_algo_id)
    if algo is None or algo.status != "NEW":
        raise BinanceError(-2011, "Unknown order sent.")
    algo.status, algo.update_time = "CANCELED", now
    return algo, [user_data.algo_update(algo, acct.spec(algo.symbol), now)]


def reference_price(acct: AccountState, symbol: str, working_type: str) -> Decimal | None:
    return acct.mark(symbol) if working_type == "MARK_PRICE" else acct.last(symbol)


def crossed(type_: str, side: str, trigger: Decimal, price: Decimal) -> bool:
    if type_ == "STOP_MARKET":
        return price >= trigger if side == "BUY" else price <= trigger
    return price <= trigger if side == "BUY" else price >= trigger


def _due(acct: AccountState, algo: AlgoOrder) -> bool:
    price = reference_price(acct, algo.symbol, algo.working_type)
    if price is None or not crossed(algo.type, algo.side, algo.trigger_price, price):
        return False
    if algo.price_protect:
        last, mark = acct.last(algo.symbol), acct.mark(algo.symbol)
        if last is not None and mark and abs(last - mark) / mark > acct.spec(algo.symbol).trigger_protect:
            return False
    return True


def trigger_due(acct: AccountState, symbol: str, now: int) -> list[Event]:
    events: list[Event] = []
    for a in list(acct.algos.values()):
        if a.symbol == symbol and a.status == "NEW" and _due(acct, a):
            events += trigger(acct, a, now)
    return events


def _take_refusal(acct: AccountState, type_: str) -> TriggerRefusal | None:
    for refusal in acct.refusals:
        if refusal.type_ in (None, type_):
            refusal.count -= 1
            acct.refusals = [r for r in acct.refusals if r.count > 0]
            return refusal
    return None


def trigger(acct: AccountState, algo: AlgoOrder, now: int) -> list[Event]:
    spec = acct.spec(algo.symbol)
    pos = acct.position(algo.symbol)
    algo.trigger_time = algo.update_time = now
    algo.status = "TRIGGERING"
    events = [user_data.algo_update(algo, spec, now)]
    refusal = _take_refusal(acct, algo.type)
    if refusal is not None:
        algo.status, algo.reason = refusal.outcome, refusal.reason
        return [*events, user_data.algo_update(algo, spec, now)]
    reducible = -pos.amt if algo.side == "BUY" else pos.amt
    qty = reducible if algo.close_position else algo.qty
    if (algo.close_position or algo.reduce_only) and reducible <= 0:
        algo.status = "EXPIRED"
        return [*events, user_data.algo_update(algo, spec, now)]
    if algo.reduce_only:
        qty = min(qty, reducible)
    play = acct.settings.trigger
    acct.next_order_id += 1
    order = Order(
        acct.next_order_id,
        # "own": our invention of an exchange-made id; Binance's real one (if any) is not documented
        algo.client_algo_id if play.engine_client_id == "ours" else f"x-algo-{algo.algo_id}",
        algo.symbol,
        algo.side,
        "MARKET",
        "GTC",
        qty,
        ZERO,
        algo.close_position or algo.reduce_only,
        now,
        update_time=now,
        close_position=algo.close_position,
        stop_price=algo.trigger_price,
    )
    acct.orders[order.order_id] = order
    algo.status, algo.actual_order_id = "TRIGGERED", order.order_id
    triggered = user_data.algo_update(algo, spec, now)
    price = acct.taker_price(algo.symbol, algo.side)
    fill = [
        user_data.order_update(order, spec, "NEW", now, algo.type),
        *fills.execute(acct, order, price, maker=False, now=now, orig_type=algo.type),
    ]
    algo.status, algo.actual_price, algo.actual_qty = "FINISHED", order.avg_price, order.executed
    finished = user_data.algo_update(algo, spec, now)
    if play.order == "triggered_first":
        return [*events, triggered, *fill, finished]
    if play.order == "fill_first":
        return [*events, *fill, triggered, finished]
    return [*events, *fill, finished, triggered]


def expire_if_flat(acct: AccountState, symbol: str, was: Decimal, now: int) -> list[Event]:
    """With ``expire_close_position_on_flat``: once a fill took the symbol's position from ``was`` to zero,
    its NEW closePosition algo orders expire (the system cancels GTE_GTC orders, reference §3.5 [doc])."""
    pos = acct.positions.get(symbol)
    if not acct.settings.expire_close_position_on_flat or was == 0 or pos is None or pos.amt != 0:
        return []
    events: list[Event] = []
    for a in acct.algos.values():
        if a.symbol == symbol and a.status == "NEW" and a.close_position:
            a.status, a.update_time = "EXPIRED", now
            events.append(user_data.algo_update(a, acct.spec(symbol), now))
    return events
