"""Market state the server knows at the current virtual time: forming/closed klines, books, counters.

Pure state (no I/O): the playback engine feeds it timeline events and gets Binance payloads back.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exchange.symbols import spec
from simulator import payloads
from simulator.events import Bar, KlineTick


def _fmt_like(value: Decimal, template: str) -> str:
    exp = Decimal(template).as_tuple().exponent
    return f"{value.quantize(Decimal(1).scaleb(exp if isinstance(exp, int) else 0)):f}"


@dataclass
class Book:
    bid: Decimal
    ask: Decimal
    bid_qty: str
    ask_qty: str
    update_id: int
    time: int


@dataclass
class SymbolMarket:
    symbol: str
    closed: list[list[Any]] = field(default_factory=list)  # REST kline rows, ascending open time
    forming: dict[str, Any] | None = None  # the ``k`` object of the current bar
    last_price: Decimal | None = None
    book: Book | None = None
    spread_bps: float | None = None
    trade_id: int = 6_000_000_000
    agg_id: int = 3_000_000_000
    last_volume: Decimal = Decimal(0)


class MarketState:
    def __init__(self, spread_bps: float) -> None:
        self.default_spread_bps = spread_bps
        self.symbols: dict[str, SymbolMarket] = {}
        self._update_id = 8_000_000_000_000

    def sym(self, symbol: str) -> SymbolMarket:
        if symbol not in self.symbols:
            self.symbols[symbol] = SymbolMarket(symbol)
        return self.symbols[symbol]

    # -- klines -----------------------------------------------------------------------------------
    def preload_bars(self, bars: list[Bar], before_ms: int) -> None:
        """Bars that closed before the virtual start are history: served by REST, never pushed."""
        for bar in bars:
            if bar.close_time < before_ms:
                self.sym(bar.symbol).closed.append(_rest_row(bar))

    def apply_kline(self, tick: KlineTick) -> dict[str, Any]:
        """Update the forming bar; returns the kline stream payload."""
        bar = tick.bar
        m = self.sym(bar.symbol)
        if m.forming is None or m.forming["t"] != bar.open_time:
            m.last_volume = Decimal(0)
        first_id = m.trade_id + 1
        trades = int(bar.n * tick.fraction) if not tick.closed else bar.n
        vol = Decimal(bar.v) * tick.fraction
        k = {
            "t": bar.open_time,
            "T": bar.close_time,
            "s": bar.symbol,
            "i": "1m",
            "f": first_id,
            "L": first_id + max(trades, 1) - 1,
            "o": bar.o,
            "c": bar.c if tick.closed else _fmt_like(tick.price, bar.c),
            "h": bar.h if tick.closed else _fmt_like(tick.high, bar.h),
            "l": bar.l if tick.closed else _fmt_like(tick.low, bar.l),
            "v": bar.v if tick.closed else _fmt_like(vol, bar.v),
            "n": trades,
            "x": tick.closed,
            "q": bar.q if tick.closed else _fmt_like(Decimal(bar.q) * tick.fraction, bar.q),
            "V": bar.V if tick.closed else _fmt_like(Decimal(bar.V) * tick.fraction, bar.V),
            "Q": bar.Q if tick.closed else _fmt_like(Decimal(bar.Q) * tick.fraction, bar.Q),
            "B": "0",
        }
        m.forming = None if tick.closed else k
        m.last_price = tick.price
        if tick.closed:
            m.trade_id += bar.n
            m.closed.append(_rest_row(bar))
        return payloads.kline(bar.symbol, tick.ts, k)

    def agg_trade_for(self, tick: KlineTick) -> dict[str, Any] | None:
        """A synthetic aggTrade for the volume traded since the previous tick of the bar."""
        m = self.sym(tick.bar.symbol)
        vol = Decimal(tick.bar.v) * tick.fraction
        delta = vol - m.last_volume
        m.last_volume = Decimal(0) if tick.closed else vol
        s = spec(tick.bar.symbol)
        if delta <= 0 or tick.closed:
            return None
        qty = s.fmt_qty(max(delta, s.step)) if s else f"{delta:f}"
        m.agg_id += 1
        price = s.fmt_price(tick.price) if s else f"{tick.price:f}"
        return payloads.agg_trade(
            tick.bar.symbol,
            tick.ts,
            m.agg_id,
            price,
            qty,
            m.trade_id + 1,
            m.trade_id + 1,
            tick.ts,
            buyer_is_maker=tick.price < Decimal(tick.bar.o),
        )

    def klines(self, symbol: str, start: int | None, end: int | None, limit: int) -> list[list[Any]]:
        m = self.symbols.get(symbol)
        if m is None:
            return []
        rows = list(m.closed)
        if m.forming is not None:
            k = m.forming
            rows.append(
                [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"], "0"]
            )
        times = [r[0] for r in rows]
        lo = bisect.bisect_left(times, start) if start is not None else 0
        hi = bisect.bisect_right(times, end) if end is not None else len(rows)
        if start is None:
            lo = max(lo, hi - limit)
        return rows[lo:hi][:limit]

    # -- book -------------------------------------------------------------------------------------
    def quote(self, symbol: str, price: Decimal, now: int) -> dict[str, Any] | None:
        """Synthesize a book around ``price`` (the recorded data has no book). Returns the payload
        if the book changed."""
        m = self.sym(symbol)
        s = spec(symbol)
        half = Decimal(str(m.spread_bps if m.spread_bps is not None else self.default_spread_bps)) / 20000
        if s is not None:
            bid, ask = s.floor_tick(price * (1 - half)), s.ceil_tick(price * (1 + half))
            if ask <= bid:
                ask = bid + s.tick
        else:
            bid, ask = price * (1 - half), price * (1 + half)
        self._update_id += 1
        seed = self._update_id % 997
        bid_qty = f"{Decimal(1 + seed % 50) / 10 + Decimal('0.123'):.3f}"
        ask_qty = f"{Decimal(1 + (seed * 7) % 50) / 10 + Decimal('0.456'):.3f}"
        m.book = Book(bid, ask, bid_qty, ask_qty, self._update_id, now)
        m.last_price = m.last_price or price
        return self.book_payload(symbol, now)

    def book_payload(self, symbol: str, now: int) -> dict[str, Any] | None:
        m = self.symbols.get(symbol)
        if m is None or m.book is None:
            return None
        b = m.book
        s = spec(symbol)
        fmt = s.fmt_price if s else (lambda p: f"{p:f}")
        return payloads.book_ticker(
            symbol, b.update_id, now, b.time, fmt(b.bid), b.bid_qty, fmt(b.ask), b.ask_qty
        )

    def apply_raw_book(self, data: dict[str, Any]) -> None:
        m = self.sym(str(data["s"]))
        m.book = Book(
            Decimal(data["b"]),
            Decimal(data["a"]),
            str(data["B"]),
            str(data["A"]),
            int(data.get("u", 0)),
            int(data.get("T", data.get("E", 0))),
        )

    def apply_raw_kline(self, data: dict[str, Any]) -> None:
        k = data["k"]
        m = self.sym(str(data["s"]))
        m.last_price = Decimal(k["c"])
        if k.get("x"):
            m.forming = None
            m.closed.append(
                [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"], "0"]
            )
        else:
            m.forming = dict(k)

    def rest_book_ticker(self, symbol: str) -> dict[str, Any] | None:
        m = self.symbols.get(symbol)
        if m is None or m.book is None:
            return None
        s = spec(symbol)
        fmt = s.fmt_price if s else (lambda p: f"{p:f}")
        b = m.book
        return {
            "symbol": symbol,
            "bidPrice": fmt(b.bid),
            "bidQty": b.bid_qty,
            "askPrice": fmt(b.ask),
            "askQty": b.ask_qty,
            "time": b.time,
            "lastUpdateId": b.update_id,
        }


def _rest_row(bar: Bar) -> list[Any]:
    return [bar.open_time, bar.o, bar.h, bar.l, bar.c, bar.v, bar.close_time, bar.q, bar.n, bar.V, bar.Q, "0"]
