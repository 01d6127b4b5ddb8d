"""A fill on the pure account: position and wallet bookkeeping, the commission and its asset, and the
user-data events a fill pushes (TRADE_LITE, ORDER_TRADE_UPDATE, ACCOUNT_UPDATE)."""

from __future__ import annotations

from decimal import Decimal

from exchange import user_data
from exchange.account_state import AccountState
from exchange.records import ZERO, Event, Order
from exchange.settings import BNB_FEE_DISCOUNT

BNB_QUANTUM = Decimal("0.00000001")


def commission(acct: AccountState, notional: Decimal, rate: Decimal) -> tuple[Decimal, str]:
    """(fee, asset): BNB at the 10% discount while the BNB wallet can pay it, else USDT at the full rate
    (Binance falls back to USDT, reference §6.4 [doc]). BNB is rounded to 8 dp ([inf]: the rounding mode)."""
    fee = notional * rate
    if acct.settings.fee_asset == "BNB":
        bnb = (fee * BNB_FEE_DISCOUNT / acct.settings.bnb_price).quantize(BNB_QUANTUM)
        if bnb <= acct.bnb_balance:
            return bnb, "BNB"
    return fee, "USDT"


def execute(
    acct: AccountState,
    order: Order,
    price: Decimal,
    maker: bool,
    now: int,
    orig_type: str | None = None,
    qty: Decimal | None = None,
    exec_type: str = "TRADE",
    lite: bool = True,
) -> list[Event]:
    """Fill ``qty`` (default: what is left) of ``order`` at ``price``. ``exec_type``/``lite``: the
    ORDER_TRADE_UPDATE execution type and whether a TRADE_LITE goes with it."""
    spec = acct.spec(order.symbol)
    qty = order.qty - order.executed if qty is None else qty
    fee, fee_asset = commission(acct, qty * price, acct.maker_fee if maker else acct.taker_fee)
    pos = acct.position(order.symbol)
    signed = qty if order.side == "BUY" else -qty
    realized = ZERO
    if pos.amt and (pos.amt > 0) != (signed > 0):
        closing = min(abs(pos.amt), qty)
        realized = closing * (price - pos.entry) * (1 if pos.amt > 0 else -1)
    new_amt = pos.amt + signed
    if new_amt == 0:
        pos.entry = ZERO
    elif pos.amt == 0 or (pos.amt > 0) != (new_amt > 0):
        pos.entry = price
    elif (pos.amt > 0) == (signed > 0):
        pos.entry = (pos.amt * pos.entry + signed * price) / new_amt
    pos.amt, pos.realized, pos.update_time = new_amt, pos.realized + realized, now
    if acct.settings.isolated(order.symbol):
        pos.isolated_wallet = abs(new_amt) * pos.entry / acct.leverage_of(order.symbol)
    if fee_asset == "BNB":
        acct.bnb_balance -= fee
        acct.balance += realized
    else:
        acct.balance += realized - fee
    order.executed += qty
    order.cum_quote += qty * price
    order.status = "FILLED" if order.executed >= order.qty else "PARTIALLY_FILLED"
    order.update_time = now
    acct.next_trade_id += 1
    trade = user_data.Trade(acct.next_trade_id, price, qty, fee, realized, maker, fee_asset)
    events = [user_data.trade_lite(order, spec, trade, now)] if lite else []
    return [
        *events,
        user_data.order_update(order, spec, exec_type, now, orig_type, trade),
        account_update(acct, order.symbol, now, bnb=fee_asset == "BNB"),
    ]


def account_update(
    acct: AccountState,
    symbol: str,
    now: int,
    reason: str = "ORDER",
    change: Decimal = ZERO,
    bnb: bool = False,
    with_position: bool = True,
) -> Event:
    """ACCOUNT_UPDATE with the USDT wallet (and BNB's when it changed) and, unless not wanted, the position."""
    balances = [user_data.balance_entry("USDT", acct.balance, acct.cross_wallet(), change)]
    if bnb:
        balances.append(user_data.balance_entry("BNB", acct.bnb_balance, acct.bnb_balance))
    positions = []
    if with_position:
        isolated = acct.settings.isolated(symbol)
        positions.append(user_data.position_entry(symbol, acct.position(symbol), acct.mark(symbol), isolated))
    return user_data.account_update(now, reason, balances, positions)
