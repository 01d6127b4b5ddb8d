"""Binance payload builders. Keys, key order and JSON types follow shared/fixtures/binance/*.json."""

from __future__ import annotations

from typing import Any

from simulator.events import Liquidation


def force_order(liq: Liquidation, event_time: int) -> dict[str, Any]:
    # The recorder behind the CSV kept only ap and z; for a FILLED IOC liquidation q == l == z and the
    # order price p is not known, so it is set to ap.
    return {
        "e": "forceOrder",
        "E": event_time,
        "o": {
            "s": liq.symbol,
            "S": liq.side,
            "o": "LIMIT",
            "f": "IOC",
            "q": liq.qty,
            "p": liq.price,
            "ap": liq.price,
            "X": "FILLED",
            "l": liq.qty,
            "z": liq.qty,
            "T": liq.trade_time,
        },
    }


def kline(symbol: str, event_time: int, k: dict[str, Any]) -> dict[str, Any]:
    return {"e": "kline", "E": event_time, "s": symbol, "k": k}


def book_ticker(
    symbol: str, update_id: int, event_time: int, tx_time: int, bid: str, bid_qty: str, ask: str, ask_qty: str
) -> dict[str, Any]:
    return {
        "e": "bookTicker",
        "u": update_id,
        "E": event_time,
        "T": tx_time,
        "s": symbol,
        "b": bid,
        "B": bid_qty,
        "a": ask,
        "A": ask_qty,
    }


def agg_trade(
    symbol: str,
    event_time: int,
    agg_id: int,
    price: str,
    qty: str,
    first_id: int,
    last_id: int,
    trade_time: int,
    buyer_is_maker: bool,
) -> dict[str, Any]:
    return {
        "e": "aggTrade",
        "E": event_time,
        "s": symbol,
        "a": agg_id,
        "p": price,
        "q": qty,
        "nq": qty,
        "f": first_id,
        "l": last_id,
        "T": trade_time,
        "m": buyer_is_maker,
    }


def mark_price(
    symbol: str, event_time: int, price: str, next_funding: int, index: str | None = None, rate: str = "0.00010000"
) -> dict[str, Any]:
    return {
        "e": "markPriceUpdate",
        "E": event_time,
        "s": symbol,
        "p": price,
        "i": index or price,
        "P": price,
        "r": rate,
        "T": next_funding,
    }


def listen_key_expired(listen_key: str, event_time: int, e_as_string: bool) -> dict[str, Any]:
    return {
        "e": "listenKeyExpired",
        "E": str(event_time) if e_as_string else event_time,
        "listenKey": listen_key,
    }


def error_body(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}
