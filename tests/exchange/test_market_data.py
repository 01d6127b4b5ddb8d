"""exchange/market_data.py: the one reader of the recorded market CSVs (data/market)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.market_data import (
    KlineRow,
    LiquidationRow,
    iso_to_ms,
    read_klines,
    read_liquidations,
    symbol_in_file_name,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "market"
LIQS = DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"


def test_iso_to_ms_when_no_zone_reads_utc() -> None:
    assert iso_to_ms("2025-10-22T19:08:05.108000") == 1_761_160_085_108
    assert iso_to_ms("2025-10-22T19:08:05") == 1_761_160_085_000
    assert iso_to_ms("2025-10-22T21:08:05.108+02:00") == 1_761_160_085_108


def test_read_liquidations_when_real_file_keeps_every_row_as_written() -> None:
    rows = list(read_liquidations(LIQS))
    assert len(rows) == 207
    assert rows[0] == LiquidationRow(1_761_160_085_108, "ETHUSDT", "SELL", "3818.26", "0.817", "3119.51842")


def test_read_liquidations_when_a_side_is_bad_names_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "liqs.csv"
    bad.write_text("timestamp,symbol,side,avg_price,filled_qty,usd_value\n"
                   "2025-10-22T19:08:05.108000,ETHUSDT,SELL,1,1,1\n2025-10-22T19:08:06,ETHUSDT,LONG,1,1,1\n")
    with pytest.raises(ValueError, match="row 3: bad side 'LONG'"):
        list(read_liquidations(bad))


def test_read_klines_when_real_file_keeps_the_text_of_every_column() -> None:
    rows = list(read_klines(KLINES))
    assert len(rows) == 407
    assert rows[0] == KlineRow(1761151140000, "108308.70", "108557.80", "108297.40", "108498.30", "267.250",
                               1761151199999, "28988316.49890", 8627, "177.103", "19209806.13150")


def test_symbol_in_file_name_when_known_symbols_given_takes_only_those() -> None:
    assert symbol_in_file_name(KLINES) == "BTCUSDT"
    assert symbol_in_file_name("x_XRPUSDT_1m.csv") == "XRPUSDT"
    assert symbol_in_file_name("x_XRPUSDT_1m.csv", known=("BTCUSDT",)) is None
    assert symbol_in_file_name("klines.csv") is None
