"""Turn the recorded CSVs (see data/market/SOURCES.md) into timeline events.

The liquidation CSV is already Binance's 1-per-second snapshot stream, so its rows are replayed one for
one. Klines become intra-minute ``KlineTick``s along an open → extreme → extreme → close path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from exchange.market_data import iso_to_ms as iso_to_ms  # re-exported: the scenarios and the simulator CLI use it
from exchange.market_data import read_klines, read_liquidations, symbol_in_file_name
from simulator.events import Bar, KlineTick, Liquidation

MINUTE_MS = 60_000


def ms_to_iso(ms: int) -> str:
    """Epoch ms as a UTC ISO time without zone, the form `iso_to_ms` reads."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def load_liquidations_csv(path: Path) -> list[Liquidation]:
    return [Liquidation(r.time_ms, r.symbol, r.side, r.avg_price, r.filled_qty, r.time_ms)
            for r in read_liquidations(path)]


def load_klines_csv(path: Path, symbol: str | None = None) -> list[Bar]:
    """Binance public-data kline CSV; the symbol comes from the file name when not given."""
    sym = symbol or symbol_in_file_name(path)
    if sym is None:
        raise ValueError(f"cannot tell the symbol from {path.name}; pass it explicitly")
    return [Bar(sym, k.open_time, k.open, k.high, k.low, k.close, k.volume, k.quote_volume, k.count,
                k.taker_buy_volume, k.taker_buy_quote_volume) for k in read_klines(path)]


def bar_path(bar: Bar, steps: int) -> list[Decimal]:
    """Prices at tick indices 0..steps: open, first extreme at ~1/3, second at ~2/3, close at the end.

    A rising bar dips to its low first, a falling bar spikes to its high first, so the path stays
    inside [low, high] and touches both.
    """
    o, h, lo, c = (Decimal(x) for x in (bar.o, bar.h, bar.l, bar.c))
    first, second = (lo, h) if c >= o else (h, lo)
    i1, i2 = max(1, round(steps / 3)), max(1, round(2 * steps / 3))
    anchors = [(0, o), (i1, first), (max(i1, i2), second), (steps, c)]
    out: list[Decimal] = []
    for k in range(steps + 1):
        for (ka, pa), (kb, pb) in pairwise(anchors):
            if ka <= k <= kb:
                out.append(pa if kb == ka else pa + (pb - pa) * (k - ka) / (kb - ka))
                break
    return out


def kline_ticks(bars: Iterable[Bar], step_ms: int, start_ms: int | None = None) -> Iterator[KlineTick]:
    """Expand bars lazily into ticks every ``step_ms`` plus one closed frame at each bar's close."""
    steps = max(1, MINUTE_MS // max(1, step_ms))
    for bar in bars:
        if start_ms is not None and bar.open_time + MINUTE_MS <= start_ms:
            continue
        exp = Decimal(bar.o).as_tuple().exponent
        quantum = Decimal(1).scaleb(exp if isinstance(exp, int) else -2)
        path = [p.quantize(quantum) for p in bar_path(bar, steps)]
        hi = lo = path[0]
        for k in range(steps):
            ts = bar.open_time + k * (MINUTE_MS // steps)
            hi, lo = max(hi, path[k]), min(lo, path[k])
            if start_ms is not None and ts < start_ms:
                continue
            yield KlineTick(ts, bar, path[k], hi, lo, Decimal(k) / steps, closed=False)
        yield KlineTick(
            bar.open_time + MINUTE_MS,
            bar,
            Decimal(bar.c),
            Decimal(bar.h),
            Decimal(bar.l),
            Decimal(1),
            closed=True,
        )


def snapshot_liquidations(liqs: Iterable[Liquidation], window_ms: int = 1000) -> list[Liquidation]:
    """Binance's forceOrder rule: per symbol, only the latest liquidation of each 1000 ms window is
    pushed, at the end of that window. For scripted bursts; recorded streams are already snapshots."""
    latest: dict[tuple[str, int], Liquidation] = {}
    for liq in sorted(liqs, key=lambda x: x.trade_time):
        latest[(liq.symbol, liq.trade_time // window_ms)] = liq
    out = [
        Liquidation((window + 1) * window_ms, liq.symbol, liq.side, liq.price, liq.qty, liq.trade_time)
        for (_, window), liq in latest.items()
    ]
    return sorted(out, key=lambda x: (x.ts, x.symbol))
