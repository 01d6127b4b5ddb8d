"""The account's reports: user-data events and REST order responses (shapes from
shared/fixtures/binance/*.json). Pure, like the rest of the model."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exchange.records import ZERO, AlgoOrder, Order, Position
from exchange.symbols import SymbolSpec


@dataclass(frozen=True)
class Trade:
    trade_id: int
    price: Decimal
    qty: Decimal
    fee: Decimal
    realized: Decimal
    maker: bool
    fee_asset: str = "USDT"


def _d(value: Decimal, places: int = 8) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)).normalize():f}" if value else "0"


def order_update(
    o: Order,
    spec: SymbolSpec,
    exec_type: str,
    now: int,
    orig_type: str | None = None,
    trade: Trade | None = None,
) -> dict[str, Any]:
    # Keys as the real 2025-07 LIMIT capture (reference §3.2) plus "er"; AP/cr only exist for trailing stops.
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": now,
        "T": now,
        "o": {
            "s": o.symbol,
            "c": o.client_id,
            "S": o.side,
            "o": o.type,
            "f": o.tif,
            "q": spec.fmt_qty(o.qty),
            "p": spec.fmt_price(o.price) if o.price else "0",
            "ap": _d(o.avg_price, 5),
            "sp": spec.fmt_price(o.stop_price) if o.stop_price else "0",
            "x": exec_type,
            "X": o.status,
            "i": o.order_id,
            "l": spec.fmt_qty(trade.qty) if trade else "0",
            "z": spec.fmt_qty(o.executed),
            "L": spec.fmt_price(trade.price) if trade else "0",
            "N": trade.fee_asset if trade else "USDT",
            "n": _d(trade.fee) if trade else "0",
            "T": now,
            "t": trade.trade_id if trade else 0,
            "b": "0",
            "a": "0",
            "m": bool(trade and trade.maker),
            "R": o.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": orig_type or o.type,
            "ps": "BOTH",
            "cp": o.close_position,
            "pP": False,
            "si": 0,
            "ss": 0,
            "rp": _d(trade.realized) if trade else "0",
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
            "er": "0",
        },
    }


def trade_lite(o: Order, spec: SymbolSpec, trade: Trade, now: int) -> dict[str, Any]:
    return {
        "e": "TRADE_LITE",
        "E": now,
        "T": now,
        "s": o.symbol,
        "q": spec.fmt_qty(o.qty),
        "p": spec.fmt_price(o.price) if o.price else "0",
        "m": trade.maker,
        "c": o.client_id,
        "S": o.side,
        "L": spec.fmt_price(trade.price),
        "l": spec.fmt_qty(trade.qty),
        "t": trade.trade_id,
        "i": o.order_id,
    }


def balance_entry(asset: str, wallet: Decimal, cross_wallet: Decimal, change: Decimal = ZERO) -> dict[str, Any]:
    """ACCOUNT_UPDATE ``B`` item; ``bc`` is the change except PnL and commission (reference §3.3)."""
    return {"a": asset, "wb": _d(wallet), "cw": _d(cross_wallet), "bc": _d(change)}


def position_entry(symbol: str, pos: Position, mark: Decimal | None, isolated: bool) -> dict[str, Any]:
    upnl = pos.amt * (mark - pos.entry) if mark is not None and pos.amt else ZERO
    return {
        "s": symbol,
        "pa": _d(pos.amt, 3),
        "ep": _d(pos.entry, 5),
        "bep": _d(pos.entry, 5),
        "cr": _d(pos.realized),
        "up": _d(upnl),
        "mt": "isolated" if isolated else "cross",
        "iw": _d(pos.isolated_wallet),
        "ps": "BOTH",
    }


def account_update(
    now: int, reason: str, balances: list[dict[str, Any]], positions: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"e": "ACCOUNT_UPDATE", "E": now, "T": now, "a": {"m": reason, "B": balances, "P": positions}}


def algo_update(a: AlgoOrder, spec: SymbolSpec, now: int) -> dict[str, Any]:
    return {
        "e": "ALGO_UPDATE",
        "T": now,
        "E": now,
        "o": {
            "caid": a.client_algo_id,
            "aid": a.algo_id,
            "at": "CONDITIONAL",
            "o": a.type,
            "s": a.symbol,
            "S": a.side,
            "ps": "BOTH",
            "f": "GTC",
            "q": spec.fmt_qty(a.qty) if a.qty else "0",
            "X": a.status,
            "ai": str(a.actual_order_id) if a.actual_order_id else "",
            "ap": _d(a.actual_price, 5),
            "aq": spec.fmt_qty(a.actual_qty) if a.actual_qty else "0",
            "act": "MARKET" if a.actual_order_id else "0",
            "tp": spec.fmt_price(a.trigger_price),
            "p": "0",
            "V": "EXPIRE_MAKER",
            "wt": a.working_type,
            "pm": "NONE",
            "cp": a.close_position,
            "pP": a.price_protect,
            "R": a.reduce_only,
            "tt": a.trigger_time,
            "gtd": 0,
            "rm": a.reason,
        },
    }


def order_response(o: Order, spec: SymbolSpec, with_time: bool = False) -> dict[str, Any]:
    """REST order object, key set of the real batchOrders response (reference §4.3)."""
    body: dict[str, Any] = {
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status,
        "clientOrderId": o.client_id,
        "price": spec.fmt_price(o.price),
        "avgPrice": spec.fmt_price(o.avg_price),
        "origQty": spec.fmt_qty(o.qty),
        "executedQty": spec.fmt_qty(o.executed),
        "cumQty": spec.fmt_qty(o.executed),
        "cumQuote": f"{o.cum_quote.quantize(Decimal('0.00001')):f}",
        "timeInForce": o.tif,
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": "BOTH",
        "stopPrice": spec.fmt_price(o.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": o.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    }
    if with_time:
        body["time"] = o.time
    return body


def algo_response(a: AlgoOrder, spec: SymbolSpec) -> dict[str, Any]:
    return {
        "algoId": a.algo_id,
        "clientAlgoId": a.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": a.type,
        "symbol": a.symbol,
        "side": a.side,
        "positionSide": "BOTH",
        "timeInForce": "GTC",
        "quantity": spec.fmt_qty(a.qty) if a.qty else "0",
        "algoStatus": a.status,
        "triggerPrice": spec.fmt_price(a.trigger_price),
        "price": "0",
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": a.working_type,
        "priceMatch": "NONE",
        "closePosition": a.close_position,
        "priceProtect": a.price_protect,
        "reduceOnly": a.reduce_only,
        "activatePrice": "",
        "callbackRate": "",
        "createTime": a.create_time,
        "updateTime": a.update_time,
        "triggerTime": a.trigger_time,
        "goodTillDate": 0,
    }
