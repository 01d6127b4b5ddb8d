"""What the exchange does to an account by itself: funding payments and closing a position
(liquidation or auto-deleverage). Pure functions over :class:`~exchange.account_state.AccountState`.
"""

from __future__ import annotations

from decimal import Decimal

from exchange import algos, fills, user_data
from exchange.account_state import AccountState
from exchange.records import Event, Order

FORCE_CLOSE_KINDS = ("liquidation", "adl")
MONEY_QUANTUM = Decimal("0.00000001")


def apply_funding(acct: AccountState, symbol: str, rate: Decimal, mark: Decimal, now: int) -> list[Event]:
    """Charge the symbol's open position: amount x mark x rate, longs pay a positive rate.

    [doc] reference §3.3/§5b: ACCOUNT_UPDATE ``m`` FUNDING_FEE; a crossed position pushes only ``B`` (the
    fee's asset, ``bc`` = the signed amount), an isolated one ``B`` plus that one position in ``P``. The
    amount is rounded to 8 dp ([inf]: Binance's rounding is not documented).
    """
    pos = acct.positions.get(symbol)
    if pos is None or pos.amt == 0:
        return []
    amount = -(pos.amt * mark * rate).quantize(MONEY_QUANTUM)
    acct.balance += amount
    isolated = acct.settings.isolated(symbol)
    if isolated:
        pos.isolated_wallet += amount
    return [fills.account_update(acct, symbol, now, "FUNDING_FEE", change=amount, with_position=isolated)]


def force_close(acct: AccountState, symbol: str, kind: str, price: Decimal | None, now: int) -> list[Event]:
    """Close the whole position with an exchange order, at ``price`` (default: the mark).

    [doc] reference §3.2: client ids ``autoclose-…`` (liquidation) and ``adl_autoclose`` (ADL), order type
    LIQUIDATION, execution type CALCULATED "(liquidation execution)"; the GET /fapi/v1/forceOrders example
    shows the liquidation IOC and the ADL order a GTC LIMIT. [inf]: an ADL fill comes as a plain TRADE with a
    TRADE_LITE (the liquidation's CALCULATED fill without one), and both pay the taker commission (the
    liquidation clearance fee is not simulated).
    """
    if kind not in FORCE_CLOSE_KINDS:
        raise ValueError(f"kind must be one of {FORCE_CLOSE_KINDS}, not {kind!r}")
    spec = acct.spec(symbol)
    pos = acct.positions.get(symbol)
    if pos is None or pos.amt == 0:
        raise ValueError(f"no {symbol} position to close")
    ref = price if price is not None else acct.mark(symbol)
    if ref is None:
        raise ValueError(f"no {symbol} price to close at")
    fill_price = ref.quantize(spec.tick)
    liquidation = kind == "liquidation"
    was = pos.amt
    acct.next_order_id += 1
    order = Order(
        acct.next_order_id,
        f"autoclose-{now}" if liquidation else "adl_autoclose",
        symbol,
        "SELL" if pos.amt > 0 else "BUY",
        "LIQUIDATION" if liquidation else "LIMIT",
        "IOC" if liquidation else "GTC",
        abs(pos.amt),
        fill_price,
        False,
        now,
        update_time=now,
    )
    acct.orders[order.order_id] = order
    events = [user_data.order_update(order, spec, "NEW", now)]
    execution = "CALCULATED" if liquidation else "TRADE"
    events += fills.execute(acct, order, fill_price, maker=False, now=now, exec_type=execution, lite=not liquidation)
    return events + algos.expire_if_flat(acct, symbol, was, now)


def is_force_order(order: Order) -> bool:
    return order.client_id.startswith("autoclose-") or order.client_id == "adl_autoclose"
