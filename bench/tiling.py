"""The bundled 2025-10-22 CSVs tiled N times: copy k shifts every timestamp by k whole days.

Same columns and formats as the originals (data/market/SOURCES.md), so `liqfade replay` reads the tiles
exactly as it reads the real files. Used by `liqfade bench replay` and by the golden decision tests.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIQUIDATIONS = ROOT / "data" / "market" / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = ROOT / "data" / "market" / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"
DAY_MS = 86_400_000
KLINE_TIME_COLUMNS = (0, 6)  # open_time, close_time (epoch ms)
# The thresholds the replay benchmark and the NautilusTrader comparison use.
THRESHOLDS = {"BTCUSDT": 50_000, "ETHUSDT": 100_000}


@dataclass(frozen=True)
class Tiles:
    liquidations: Path
    klines: Path
    days: int


def tile(days: int, out_dir: Path, liquidations: Path = LIQUIDATIONS, klines: Path = KLINES) -> Tiles:
    """Write `days` copies of both files into `out_dir` (file names kept, so the symbol still comes from
    the kline file's name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    liq_out, kline_out = out_dir / liquidations.name, out_dir / klines.name
    _tile_liquidations(liquidations, liq_out, days)
    _tile_klines(klines, kline_out, days)
    return Tiles(liq_out, kline_out, days)


def _tile_liquidations(source: Path, dest: Path, days: int) -> None:
    def shifted(row: list[str], k: int) -> list[str]:
        when = datetime.fromisoformat(row[0]) + timedelta(days=k)
        return [when.isoformat(timespec="microseconds"), *row[1:]]

    _tile(source, dest, days, shifted)


def _tile_klines(source: Path, dest: Path, days: int) -> None:
    def shifted(row: list[str], k: int) -> list[str]:
        out = list(row)
        for column in KLINE_TIME_COLUMNS:
            out[column] = str(int(row[column]) + k * DAY_MS)
        return out

    _tile(source, dest, days, shifted)


def _tile(source: Path, dest: Path, days: int, shifted: Callable[[list[str], int], list[str]]) -> None:
    """The header once, then every row of `source` for copies k = 0 .. days-1, each as `shifted` makes it."""
    with source.open(newline="") as f:
        header, *rows = list(csv.reader(f))
    with dest.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for k in range(days):
            out.writerows(shifted(row, k) for row in rows)
