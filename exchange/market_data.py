"""The recorded market CSVs (data/market/SOURCES.md) read into small typed rows; the one reader of them.

- Liquidations: the forceOrder recorder's CSV (`timestamp` the trade time `o.T` as a UTC ISO time without
  zone, `symbol`, `side`, `avg_price`, `filled_qty`, `usd_value`).
- Klines: Binance public-data 1m CSV (epoch ms times, Binance's column names); the symbol is not a column,
  it comes from the file name.

Prices and quantities stay the text the file holds: the simulator re-sends that exact text, and the
replay's Decimals are read from it.
"""

from __future__ import annotations

import csv
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Side = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True)
class LiquidationRow:
    time_ms: int  # the trade time o.T
    symbol: str
    side: Side
    avg_price: str
    filled_qty: str
    usd_value: str


@dataclass(frozen=True, slots=True)
class KlineRow:
    open_time: int
    open: str
    high: str
    low: str
    close: str
    volume: str
    close_time: int
    quote_volume: str
    count: int
    taker_buy_volume: str
    taker_buy_quote_volume: str


def iso_to_ms(text: str) -> int:
    """'2025-10-22T19:08:05.108000' (UTC, no zone, as in the CSV) -> epoch ms. A zone, when present, is honoured."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


def read_liquidations(path: str | Path) -> Iterator[LiquidationRow]:
    """Every row in file order. ValueError on a side that is neither BUY nor SELL."""
    with Path(path).open(newline="") as fh:
        for index, row in enumerate(csv.DictReader(fh)):
            side: Side
            if row["side"] == "BUY":
                side = "BUY"
            elif row["side"] == "SELL":
                side = "SELL"
            else:
                raise ValueError(f"{path}: row {index + 2}: bad side {row['side']!r}")
            yield LiquidationRow(iso_to_ms(row["timestamp"]), row["symbol"], side, row["avg_price"],
                                 row["filled_qty"], row["usd_value"])


def read_klines(path: str | Path) -> Iterator[KlineRow]:
    """Every bar in file order."""
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            yield KlineRow(int(row["open_time"]), row["open"], row["high"], row["low"], row["close"], row["volume"],
                           int(row["close_time"]), row["quote_volume"], int(row["count"]), row["taker_buy_volume"],
                           row["taker_buy_quote_volume"])


def symbol_in_file_name(path: str | Path, known: Container[str] | None = None) -> str | None:
    """The first part of the file name (split at `_` and `-`) that is a symbol in `known`, or without
    `known` that ends in USDT; None when there is none."""
    for part in Path(path).stem.upper().replace("-", "_").split("_"):
        if (part in known) if known is not None else part.endswith("USDT"):
            return part
    return None
