"""Symbol filters: the built-in defaults (paper without a reachable exchangeInfo), parsing a real
exchangeInfo body, and rounding prices and quantities the safe way."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from schemas.config import BotConfig
from schemas.orders import SymbolFilters
from schemas.types import ALL_SYMBOLS, Symbol

# The same values the simulator serves (simulator/symbols.py: BTC tick 0.10 / step 0.001 / notional 100,
# ETH 0.01 / 0.001 / 20, SOL 0.01 / 1 / 5). Used only when no exchangeInfo can be read in paper mode.
_DEFAULTS: dict[Symbol, tuple[str, str, str, str]] = {
    "BTCUSDT": ("0.10", "0.001", "0.001", "100"),
    "ETHUSDT": ("0.01", "0.001", "0.001", "20"),
    "SOLUSDT": ("0.0100", "1", "1", "5"),
}


def default_filters(config: BotConfig) -> tuple[SymbolFilters, ...]:
    return tuple(
        SymbolFilters(
            symbol=s, tick_size=Decimal(t), step_size=Decimal(st), min_qty=Decimal(mq),
            min_notional=Decimal(mn), maker_fee_rate=config.paper.maker_fee_rate,
            taker_fee_rate=config.paper.taker_fee_rate,
        )
        for s, (t, st, mq, mn) in _DEFAULTS.items()
    )


def parse_exchange_info(info: dict[str, Any], fees: dict[str, tuple[Decimal, Decimal]],
                        symbols: tuple[str, ...]) -> tuple[SymbolFilters, ...]:
    """SymbolFilters from an exchangeInfo body; `fees` maps symbol → (maker, taker)."""
    out: list[SymbolFilters] = []
    for row in info.get("symbols", []):
        sym = row.get("symbol")
        if sym not in symbols or sym not in ALL_SYMBOLS:
            continue
        f = {x["filterType"]: x for x in row.get("filters", [])}
        maker, taker = fees[sym]
        out.append(SymbolFilters(
            symbol=sym, tick_size=Decimal(f["PRICE_FILTER"]["tickSize"]),
            step_size=Decimal(f["LOT_SIZE"]["stepSize"]), min_qty=Decimal(f["LOT_SIZE"]["minQty"]),
            min_notional=Decimal(f.get("MIN_NOTIONAL", {}).get("notional", "0")),
            maker_fee_rate=maker, taker_fee_rate=taker,
        ))
    return tuple(out)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_CEILING) * step


def exit_triggers(side: str, avg: Decimal, sl_pct: Decimal, tp_pct: Decimal,
                  tick: Decimal) -> tuple[Decimal, Decimal]:
    """(stop, take profit) from the average fill, rounded to tick the safe way: the stop towards the
    entry (never more loss than sl_pct), the take profit away from it (never less than tp_pct)."""
    if side == "LONG":
        return ceil_to(avg * (1 - sl_pct), tick), ceil_to(avg * (1 + tp_pct), tick)
    return floor_to(avg * (1 + sl_pct), tick), floor_to(avg * (1 - tp_pct), tick)
