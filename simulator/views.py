"""REST views of the account (positions, balances, account information, configuration, force orders).

Key sets follow the docs examples ([doc] qiuham/crypto-api-docs, pages of 2026-01: Position Information
V2/V3, Futures Account Balance V3, Account Information V2/V3, Account Config, Symbol Config, User's Force
Orders). v2 position rows carry ``leverage``/``marginType`` and list every symbol; v3 has neither and lists
only symbols with a position or open orders (reference §0.7). Margins: initial = |amount| x mark / leverage,
maintenance a tenth of it ([inf]: Binance's brackets are not simulated).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange.account import Account
from exchange.records import ZERO, Order, Position
from exchange.settlement import is_force_order
from exchange.symbols import SYMBOLS

MAX_NOTIONAL = "1000000"


def _m(value: Decimal) -> str:
    return f"{value:.8f}"


def _position_numbers(acct: Account, symbol: str, pos: Position) -> dict[str, Decimal]:
    mark = acct.mark(symbol) or pos.entry
    margin = abs(pos.amt) * mark / acct.leverage_of(symbol)
    upnl = pos.amt * (mark - pos.entry) if pos.amt else ZERO
    isolated = acct.settings.isolated(symbol)
    return {
        "mark": mark,
        "margin": margin,
        "upnl": upnl,
        "notional": pos.amt * mark,
        "isolated_margin": pos.isolated_wallet + upnl if isolated else ZERO,
    }


def _has_open_orders(acct: Account, symbol: str) -> bool:
    return any(o.symbol == symbol and o.is_open for o in acct.orders.values())


def position_risk(acct: Account, symbol: str | None, version: int) -> list[dict[str, Any]]:
    rows = []
    symbols = list(SYMBOLS) if version == 2 else list(acct.positions)
    for s in symbols:
        pos = acct.positions.get(s) or Position()
        if (symbol and s != symbol) or (version != 2 and pos.amt == 0 and not _has_open_orders(acct, s)):
            continue
        n = _position_numbers(acct, s, pos)
        if version == 2:
            rows.append(
                {
                    "entryPrice": f"{pos.entry:f}",
                    "breakEvenPrice": f"{pos.entry:f}",
                    "marginType": "isolated" if acct.settings.isolated(s) else "cross",
                    "isAutoAddMargin": "false",
                    "isolatedMargin": _m(n["isolated_margin"]),
                    "leverage": str(acct.leverage_of(s)),
                    "liquidationPrice": "0",
                    "markPrice": _m(n["mark"]),
                    "maxNotionalValue": MAX_NOTIONAL,
                    "positionAmt": SYMBOLS[s].fmt_qty(pos.amt),
                    "notional": _m(n["notional"]),
                    "isolatedWallet": _m(pos.isolated_wallet),
                    "symbol": s,
                    "unRealizedProfit": _m(n["upnl"]),
                    "positionSide": "BOTH",
                    "updateTime": pos.update_time,
                }
            )
            continue
        rows.append(
            {
                "symbol": s,
                "positionSide": "BOTH",
                "positionAmt": SYMBOLS[s].fmt_qty(pos.amt),
                "entryPrice": f"{pos.entry:f}",
                "breakEvenPrice": f"{pos.entry:f}",
                "markPrice": _m(n["mark"]),
                "unRealizedProfit": _m(n["upnl"]),
                "liquidationPrice": "0",
                "isolatedMargin": _m(n["isolated_margin"]),
                "notional": _m(n["notional"]),
                "marginAsset": "USDT",
                "isolatedWallet": _m(pos.isolated_wallet),
                "initialMargin": _m(n["margin"]),
                "maintMargin": _m(n["margin"] / 10),
                "positionInitialMargin": _m(n["margin"]),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "updateTime": pos.update_time,
            }
        )
    return rows


def _cross_unrealized(acct: Account) -> Decimal:
    total = ZERO
    for s, pos in acct.positions.items():
        if pos.amt and not acct.settings.isolated(s):
            total += _position_numbers(acct, s, pos)["upnl"]
    return total


def balances(acct: Account, now: int) -> list[dict[str, Any]]:
    """USDT then BNB (BNB is no margin in single-asset mode: exchangeInfo ``marginAvailable`` false)."""
    available = acct.available()
    return [
        {
            "accountAlias": "SgsR",
            "asset": "USDT",
            "balance": _m(acct.balance),
            "crossWalletBalance": _m(acct.cross_wallet()),
            "crossUnPnl": _m(_cross_unrealized(acct)),
            "availableBalance": _m(available),
            "maxWithdrawAmount": _m(available),
            "marginAvailable": True,
            "updateTime": now,
        },
        {
            "accountAlias": "SgsR",
            "asset": "BNB",
            "balance": _m(acct.bnb_balance),
            "crossWalletBalance": _m(acct.bnb_balance),
            "crossUnPnl": "0.00000000",
            "availableBalance": _m(acct.bnb_balance),
            "maxWithdrawAmount": _m(acct.bnb_balance),
            "marginAvailable": False,
            "updateTime": now,
        },
    ]


def _asset(row: dict[str, Any], unrealized: Decimal, initial: Decimal, version: int) -> dict[str, Any]:
    wallet = Decimal(row["balance"])
    asset = {
        "asset": row["asset"],
        "walletBalance": row["balance"],
        "unrealizedProfit": _m(unrealized),
        "marginBalance": _m(wallet + unrealized),
        "maintMargin": _m(initial / 10),
        "initialMargin": _m(initial),
        "positionInitialMargin": _m(initial),
        "openOrderInitialMargin": "0.00000000",
        "crossWalletBalance": row["crossWalletBalance"],
        "crossUnPnl": row["crossUnPnl"],
        "availableBalance": row["availableBalance"],
        "maxWithdrawAmount": row["maxWithdrawAmount"],
        "updateTime": row["updateTime"],
    }
    if version == 2:
        asset["marginAvailable"] = row["marginAvailable"]
    return asset


def account_info(acct: Account, now: int, version: int, can_trade: bool) -> dict[str, Any]:
    usdt, bnb = balances(acct, now)
    unrealized = acct.unrealized()
    initial = ZERO
    positions = []
    for s in SYMBOLS:
        pos = acct.positions.get(s) or Position()
        n = _position_numbers(acct, s, pos)
        initial += n["margin"]
        if version == 2:
            positions.append(
                {
                    "symbol": s,
                    "initialMargin": _m(n["margin"]),
                    "maintMargin": _m(n["margin"] / 10),
                    "unrealizedProfit": _m(n["upnl"]),
                    "positionInitialMargin": _m(n["margin"]),
                    "openOrderInitialMargin": "0",
                    "leverage": str(acct.leverage_of(s)),
                    "isolated": acct.settings.isolated(s),
                    "entryPrice": f"{pos.entry:f}",
                    "maxNotional": MAX_NOTIONAL,
                    "bidNotional": "0",
                    "askNotional": "0",
                    "positionSide": "BOTH",
                    "positionAmt": SYMBOLS[s].fmt_qty(pos.amt),
                    "updateTime": pos.update_time,
                }
            )
        elif pos.amt or _has_open_orders(acct, s):
            positions.append(
                {
                    "symbol": s,
                    "positionSide": "BOTH",
                    "positionAmt": SYMBOLS[s].fmt_qty(pos.amt),
                    "unrealizedProfit": _m(n["upnl"]),
                    "isolatedMargin": _m(n["isolated_margin"]),
                    "notional": _m(n["notional"]),
                    "isolatedWallet": _m(pos.isolated_wallet),
                    "initialMargin": _m(n["margin"]),
                    "maintMargin": _m(n["margin"] / 10),
                    "updateTime": pos.update_time,
                }
            )
    head: dict[str, Any] = {}
    if version == 2:
        head = account_config(acct, can_trade)
        head.pop("dualSidePosition")
        head["feeBurn"] = acct.settings.fee_asset == "BNB"
    totals = {
        "totalInitialMargin": _m(initial),
        "totalMaintMargin": _m(initial / 10),
        "totalWalletBalance": usdt["balance"],
        "totalUnrealizedProfit": _m(unrealized),
        "totalMarginBalance": _m(acct.balance + unrealized),
        "totalPositionInitialMargin": _m(initial),
        "totalOpenOrderInitialMargin": "0.00000000",
        "totalCrossWalletBalance": usdt["crossWalletBalance"],
        "totalCrossUnPnl": usdt["crossUnPnl"],
        "availableBalance": usdt["availableBalance"],
        "maxWithdrawAmount": usdt["maxWithdrawAmount"],
    }
    assets = [_asset(usdt, unrealized, initial, version), _asset(bnb, ZERO, ZERO, version)]
    return {**head, **totals, "assets": assets, "positions": positions}


def account_config(acct: Account, can_trade: bool) -> dict[str, Any]:
    return {
        "feeTier": 0,
        "canTrade": can_trade,
        "canDeposit": True,
        "canWithdraw": False,
        "dualSidePosition": acct.settings.dual_side,
        "updateTime": 0,
        "multiAssetsMargin": acct.settings.multi_assets,
        "tradeGroupId": -1,
    }


def symbol_config(acct: Account, symbol: str | None) -> list[dict[str, Any]]:
    return [
        {
            "symbol": s,
            "marginType": acct.settings.margin_type_of(s),
            "isAutoAddMargin": False,
            "leverage": acct.leverage_of(s),
            "maxNotionalValue": MAX_NOTIONAL,
        }
        for s in ([symbol] if symbol else list(SYMBOLS))
    ]


def force_orders(
    acct: Account, symbol: str | None, kind: str | None, start: int | None, end: int | None, limit: int
) -> list[dict[str, Any]]:
    """Liquidation (``autoclose-…``) and ADL (``adl_autoclose``) orders; the docs example shows both as
    LIMIT orders (IOC and GTC) although the user stream calls a liquidation type LIQUIDATION."""
    rows = []
    for o in acct.orders.values():
        kind_of = "ADL" if o.client_id == "adl_autoclose" else "LIQUIDATION"
        if not is_force_order(o) or symbol not in (None, o.symbol) or kind not in (None, kind_of):
            continue
        if (start is not None and o.time < start) or (end is not None and o.time > end):
            continue
        rows.append(_force_row(o))
    return rows[-limit:]


def _force_row(o: Order) -> dict[str, Any]:
    spec = SYMBOLS[o.symbol]
    return {
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status,
        "clientOrderId": o.client_id,
        "price": spec.fmt_price(o.price),
        "avgPrice": f"{o.avg_price.quantize(Decimal('0.00001')):f}",
        "origQty": spec.fmt_qty(o.qty),
        "executedQty": spec.fmt_qty(o.executed),
        "cumQuote": f"{o.cum_quote.quantize(Decimal('0.00001')):f}",
        "timeInForce": o.tif,
        "type": "LIMIT",
        "reduceOnly": False,
        "closePosition": False,
        "side": o.side,
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "origType": "LIMIT",
        "time": o.time,
        "updateTime": o.update_time,
    }
