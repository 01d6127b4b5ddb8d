"""Recorded market CSVs (data/market/SOURCES.md) as `md.<SYMBOL>` envelopes in exchange-time order.

- Liquidations (forceOrder recorder CSV: UTC ISO time without zone, symbol, side, avg_price, filled_qty,
  usd_value) become LiquidationObserved at `o.T`; usd_value is taken as written, so sums match the file.
- Klines (Binance public-data 1m CSV, epoch ms) become KlineClosed at close_time. The CSVs hold no
  forming-candle snapshots, so there is no KlineUpdated: a volume check is decided at the candle's close.
- There is no recorded book. With `spread_bps`, BookTickerUpdated events are synthesised along each
  candle's path: open at open_time, then low and high (low first on an up candle, high first on a down
  candle) at +20 s and +40 s, and the close at close_time (ordered before the KlineClosed); bid/ask =
  price x (1 -/+ spread_bps / 2 / 10^4), each side's quantity the candle's volume / 60 (its average
  volume per second). Intra-minute timing and the order of the extremes are assumptions, not data, and
  the prices are not on the tick grid: consumers round to their tick.

Ids are derived from the row (kind, symbol, row index or open time), so the same files always give the
same envelopes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import cast, get_args

from schemas.envelope import Envelope, Payload, derive_id
from schemas.market import BookTickerUpdated, KlineClosed, LiquidationObserved
from schemas.types import OrderSide, Symbol

SOURCE = "csv"
KNOWN_SYMBOLS: tuple[str, ...] = get_args(Symbol)
# At one exchange time: liquidations first (they belong to the candle still open), then the book,
# then the candle close that may confirm a setup against that book.
_RANK = {LiquidationObserved.TYPE: 0, BookTickerUpdated.TYPE: 1, KlineClosed.TYPE: 2}


@dataclass
class CsvReport:
    liquidations: int = 0
    klines: int = 0
    books: int = 0
    skipped_symbols: dict[str, int] = field(default_factory=dict)
    kline_symbols: list[str] = field(default_factory=list)


def iso_utc_ms(text: str) -> int:
    """'2025-10-22T19:08:05.108000' (UTC, no zone) -> epoch ms. A zone, when present, is honoured."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


def _envelope(payload: Payload, key: str, ts: int) -> Envelope:
    return Envelope(id=derive_id(f"{SOURCE}/{payload.TYPE}/{key}", 0, ts), type=payload.TYPE,
                    v=payload.VERSION, ts=ts, source=SOURCE, payload=payload)


def liquidation_events(path: str | Path, report: CsvReport | None = None) -> list[Envelope]:
    report = report if report is not None else CsvReport()
    out: list[Envelope] = []
    with Path(path).open(newline="") as fh:
        for index, row in enumerate(csv.DictReader(fh)):
            symbol, side = row["symbol"], row["side"]
            if symbol not in KNOWN_SYMBOLS:
                report.skipped_symbols[symbol] = report.skipped_symbols.get(symbol, 0) + 1
                continue
            if side not in ("BUY", "SELL"):
                raise ValueError(f"{path}: row {index + 2}: bad side {side!r}")
            ts = iso_utc_ms(row["timestamp"])
            payload = LiquidationObserved(
                symbol=cast(Symbol, symbol), side=cast(OrderSide, side), avg_price=Decimal(row["avg_price"]),
                qty=Decimal(row["filled_qty"]), usd_value=Decimal(row["usd_value"]), trade_time=ts,
            )
            out.append(_envelope(payload, f"{symbol}/{index}", ts))
            report.liquidations += 1
    return out


def symbol_from_name(path: str | Path) -> Symbol:
    for part in Path(path).stem.upper().replace("-", "_").split("_"):
        if part in KNOWN_SYMBOLS:
            return cast(Symbol, part)
    raise ValueError(f"cannot tell the symbol from the file name {Path(path).name}")


def kline_events(path: str | Path, symbol: Symbol | None = None, spread_bps: Decimal | None = None,
                 report: CsvReport | None = None) -> list[Envelope]:
    report = report if report is not None else CsvReport()
    sym = symbol or symbol_from_name(path)
    half = None if spread_bps is None else spread_bps / 2 / Decimal(10_000)
    out: list[Envelope] = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            open_time, close_time = int(row["open_time"]), int(row["close_time"])
            close = Decimal(row["close"])
            if half is not None:
                for at, price in candle_path(row, open_time, close_time):
                    book = BookTickerUpdated(symbol=sym, bid=price * (1 - half), bid_qty=touch_qty(row),
                                             ask=price * (1 + half), ask_qty=touch_qty(row), update_id=at)
                    out.append(_envelope(book, f"{sym}/{open_time}/{at}", at))
                    report.books += 1
            kline = KlineClosed(
                symbol=sym, open_time=open_time, close_time=close_time, open=Decimal(row["open"]),
                high=Decimal(row["high"]), low=Decimal(row["low"]), close=close,
                volume=Decimal(row["volume"]),
                quote_volume=Decimal(row["quote_volume"]), trades=int(row["count"]),
            )
            out.append(_envelope(kline, f"{sym}/{open_time}", close_time))
            report.klines += 1
    if sym not in report.kline_symbols:
        report.kline_symbols.append(sym)
    return out


def candle_path(row: dict[str, str], open_time: int, close_time: int) -> list[tuple[int, Decimal]]:
    """Open, the two extremes (low first on an up candle), close: a plausible path, not a recording."""
    o, h, low, c = (Decimal(row[k]) for k in ("open", "high", "low", "close"))
    first, second = (low, h) if c >= o else (h, low)
    return [(open_time, o), (open_time + 20_000, first), (open_time + 40_000, second), (close_time, c)]


def touch_qty(row: dict[str, str]) -> Decimal:
    return (Decimal(row["volume"]) / 60).quantize(Decimal("0.001"))


def in_exchange_order(*sources: Iterable[Envelope]) -> list[Envelope]:
    """All events by exchange time; at one ms liquidation < book < kline close, else input order."""
    merged = [e for source in sources for e in source]
    return sorted(merged, key=lambda e: (e.ts, _RANK.get(e.type, 3)))
