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

The rows come from the one CSV reader, exchange/market_data.py. Ids are derived from the row (kind,
symbol, row index or open time), so the same files always give the same envelopes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast, get_args

from exchange.market_data import KlineRow, read_klines, read_liquidations, symbol_in_file_name
from schemas.envelope import Envelope, Payload, derive_id
from schemas.market import BookTickerUpdated, KlineClosed, LiquidationObserved
from schemas.types import Symbol

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


def _envelope(payload: Payload, key: str, ts: int) -> Envelope:
    return Envelope(id=derive_id(f"{SOURCE}/{payload.TYPE}/{key}", 0, ts), type=payload.TYPE,
                    v=payload.VERSION, ts=ts, source=SOURCE, payload=payload)


def liquidation_events(path: str | Path, report: CsvReport | None = None) -> list[Envelope]:
    report = report if report is not None else CsvReport()
    out: list[Envelope] = []
    for index, row in enumerate(read_liquidations(path)):
        if row.symbol not in KNOWN_SYMBOLS:
            report.skipped_symbols[row.symbol] = report.skipped_symbols.get(row.symbol, 0) + 1
            continue
        payload = LiquidationObserved(
            symbol=cast(Symbol, row.symbol), side=row.side, avg_price=Decimal(row.avg_price),
            qty=Decimal(row.filled_qty), usd_value=Decimal(row.usd_value), trade_time=row.time_ms,
        )
        out.append(_envelope(payload, f"{row.symbol}/{index}", row.time_ms))
        report.liquidations += 1
    return out


def symbol_from_name(path: str | Path) -> Symbol:
    found = symbol_in_file_name(path, KNOWN_SYMBOLS)
    if found is None:
        raise ValueError(f"cannot tell the symbol from the file name {Path(path).name}")
    return cast(Symbol, found)


def kline_events(path: str | Path, symbol: Symbol | None = None, spread_bps: Decimal | None = None,
                 report: CsvReport | None = None) -> list[Envelope]:
    report = report if report is not None else CsvReport()
    sym = symbol or symbol_from_name(path)
    half = None if spread_bps is None else spread_bps / 2 / Decimal(10_000)
    out: list[Envelope] = []
    for row in read_klines(path):
        if half is not None:
            for at, price in candle_path(row):
                book = BookTickerUpdated(symbol=sym, bid=price * (1 - half), bid_qty=touch_qty(row),
                                         ask=price * (1 + half), ask_qty=touch_qty(row), update_id=at)
                out.append(_envelope(book, f"{sym}/{row.open_time}/{at}", at))
                report.books += 1
        kline = KlineClosed(
            symbol=sym, open_time=row.open_time, close_time=row.close_time, open=Decimal(row.open),
            high=Decimal(row.high), low=Decimal(row.low), close=Decimal(row.close), volume=Decimal(row.volume),
            quote_volume=Decimal(row.quote_volume), trades=row.count,
        )
        out.append(_envelope(kline, f"{sym}/{row.open_time}", row.close_time))
        report.klines += 1
    if sym not in report.kline_symbols:
        report.kline_symbols.append(sym)
    return out


def candle_path(row: KlineRow) -> list[tuple[int, Decimal]]:
    """Open, the two extremes (low first on an up candle), close: a plausible path, not a recording."""
    o, h, low, c = (Decimal(text) for text in (row.open, row.high, row.low, row.close))
    first, second = (low, h) if c >= o else (h, low)
    return [(row.open_time, o), (row.open_time + 20_000, first), (row.open_time + 40_000, second),
            (row.close_time, c)]


def touch_qty(row: KlineRow) -> Decimal:
    return (Decimal(row.volume) / 60).quantize(Decimal("0.001"))


def in_exchange_order(*sources: Iterable[Envelope]) -> list[Envelope]:
    """All events by exchange time; at one ms liquidation < book < kline close, else input order."""
    merged = [e for source in sources for e in source]
    return sorted(merged, key=lambda e: (e.ts, _RANK.get(e.type, 3)))


def csv_inputs(liquidations: str | None, klines: Sequence[str], spread_bps: Decimal
               ) -> tuple[list[Envelope], dict[str, Any]]:
    """Market events from the CSV files, and what the summary must say about how they were made."""
    report = CsvReport()
    liq_events = liquidation_events(liquidations, report) if liquidations else []
    kline_envelopes = [e for path in klines for e in kline_events(path, spread_bps=spread_bps, report=report)]
    liq_symbols = sorted({e.payload.symbol for e in liq_events if isinstance(e.payload, LiquidationObserved)})
    no_bars = [s for s in liq_symbols if s not in report.kline_symbols]
    assumptions = [
        "liquidations: LiquidationObserved at the row's trade time o.T (UTC), usd_value as written "
        "in the CSV",
        "klines: KlineClosed at close_time only; the CSVs hold no forming-candle snapshots, so there is no "
        "KlineUpdated and the volume check is decided at the spike candle's close",
        f"book: no recorded book; BookTickerUpdated is synthesised along each candle's path (open at "
        f"open_time, the extremes at +20 s and +40 s, low first on an up candle, close at close_time) "
        f"at price x (1 -/+ {spread_bps}/2 bps), i.e. a constant {spread_bps} bps spread, "
        "each side's quantity the candle's volume / 60; paper fills and exits follow this path",
    ]
    if no_bars:
        assumptions.append(
            f"no klines for {', '.join(no_bars)}: their setups can never decide the volume check nor see a "
            "book, so each ends SetupRejected(volume) at max_setup_age_seconds")
    info = {"csv": {"liquidations": report.liquidations, "klines": report.klines, "books": report.books,
                    "kline_symbols": report.kline_symbols, "skipped_symbols": report.skipped_symbols,
                    "spread_bps": str(spread_bps)},
            "assumptions": assumptions}
    return in_exchange_order(liq_events, kline_envelopes), info
