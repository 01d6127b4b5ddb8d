"""replay/sources/market_csv.py: the recorded CSVs as market envelopes (used by `liqfade replay`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from replay.sources import market_csv
from schemas.market import BookTickerUpdated, KlineClosed, LiquidationObserved

DATA = Path(__file__).resolve().parents[2] / "data" / "market"
LIQS = DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"


def test_liquidation_events_when_real_file_keeps_every_row_and_usd_value_as_written() -> None:
    events = market_csv.liquidation_events(LIQS)
    assert len(events) == 207
    first = events[0].payload
    assert isinstance(first, LiquidationObserved)
    assert (first.symbol, first.side, first.usd_value, first.trade_time) == (
        "ETHUSDT", "SELL", Decimal("3119.51842"), 1_761_160_085_108)
    assert events[0].ts == first.trade_time and events[0].source == "csv"
    assert market_csv.liquidation_events(LIQS) == events  # deterministic ids


def test_kline_events_when_spread_given_walks_the_book_along_each_candle() -> None:
    events = market_csv.kline_events(KLINES, spread_bps=Decimal(2))
    assert len(events) == 5 * 407
    books, kline = [e.payload for e in events[:4]], events[4].payload
    assert all(isinstance(b, BookTickerUpdated) for b in books) and isinstance(kline, KlineClosed)
    mids = [(b.ask + b.bid) / 2 for b in books if isinstance(b, BookTickerUpdated)]
    up = kline.close >= kline.open
    assert mids == [kline.open, kline.low if up else kline.high, kline.high if up else kline.low, kline.close]
    assert [e.ts for e in events[:5]] == [kline.open_time, kline.open_time + 20_000, kline.open_time + 40_000,
                                          kline.close_time, kline.close_time]
    book = books[0]
    assert isinstance(book, BookTickerUpdated)
    assert (book.ask - book.bid) / ((book.ask + book.bid) / 2) * 10_000 == Decimal(2)
    assert book.bid_qty == (kline.volume / 60).quantize(Decimal("0.001")) and kline.symbol == "BTCUSDT"


def test_kline_events_when_no_spread_gives_klines_only() -> None:
    assert {e.type for e in market_csv.kline_events(KLINES)} == {"KlineClosed"}


def test_in_exchange_order_when_times_tie_puts_liquidation_then_book_then_close() -> None:
    klines = market_csv.kline_events(KLINES, spread_bps=Decimal(1))[3:5]  # the close's book, the close
    liqs = market_csv.liquidation_events(LIQS)[:1]
    tied = liqs[0].model_copy(update={"ts": klines[0].ts})
    assert [e.type for e in market_csv.in_exchange_order(klines, [tied])] == [
        "LiquidationObserved", "BookTickerUpdated", "KlineClosed"]


def test_symbol_from_name_when_unknown_raises() -> None:
    assert market_csv.symbol_from_name(KLINES) == "BTCUSDT"
    with pytest.raises(ValueError):
        market_csv.symbol_from_name("klines.csv")
