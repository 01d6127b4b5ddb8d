"""Stream names: which 2026 route carries a stream, and its canonical spelling (reference §1.1)."""

from __future__ import annotations

import re

from simulator.events import Route

# lowercased event part -> Binance's spelling
_CANONICAL = {
    "forceorder": "forceOrder",
    "bookticker": "bookTicker",
    "aggtrade": "aggTrade",
    "markprice": "markPrice",
    "miniticker": "miniTicker",
    "ticker": "ticker",
    "depth": "depth",
    "rpidepth": "rpiDepth",
}
_PUBLIC = re.compile(r"^([a-z0-9_]+@(bookticker|depth\d*(@\d+ms)?|rpidepth@500ms)|!bookticker)$")
_MARKET = re.compile(
    r"^([a-z0-9_]+@(aggtrade|forceorder|kline_\w+|continuouskline_\w+|markprice(@1s)?|miniticker|ticker"
    r"|assetindex|compositeindex)|!forceorder@arr|!markprice@arr(@1s)?|!miniticker@arr|!ticker@arr"
    r"|!contractinfo|!assetindex@arr|tradingsession)$"
)


def key(stream: str) -> str:
    """Matching key: Binance wants lowercase symbols; the event part is matched case-insensitively.
    An uppercase symbol yields a key no publisher uses, so it silently gets nothing."""
    if "@" not in stream:
        return stream.lower()
    head, _, tail = stream.partition("@")
    return f"{head}@{tail.lower()}" if not head.startswith("!") else stream.lower()


def route_of(stream_key: str) -> Route | None:
    if _PUBLIC.match(stream_key):
        return "public"
    if _MARKET.match(stream_key):
        return "market"
    return None


def display(symbol: str, event: str) -> str:
    """Canonical stream name, e.g. ``display("BTCUSDT", "forceorder") == "btcusdt@forceOrder"``."""
    return f"{symbol.lower()}@{_CANONICAL.get(event, event)}"


def force_order(symbol: str) -> str:
    return display(symbol, "forceorder")


def book_ticker(symbol: str) -> str:
    return display(symbol, "bookticker")


def kline_1m(symbol: str) -> str:
    return f"{symbol.lower()}@kline_1m"


def agg_trade(symbol: str) -> str:
    return display(symbol, "aggtrade")


def mark_price(symbol: str, fast: bool = False) -> str:
    return display(symbol, "markprice") + ("@1s" if fast else "")


ALL_FORCE_ORDERS = "!forceOrder@arr"
ALL_BOOK_TICKERS = "!bookTicker"
