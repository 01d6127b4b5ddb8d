"""Symbol filters: the one built-in table (paper and replay; the simulator serves the same values), parsing
a real exchangeInfo body (live trades only on these), and rounding prices and quantities the safe way."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from exchange.symbols import exchange_info
from schemas.config import BotConfig
from schemas.orders import SymbolFilters
from schemas.types import ALL_SYMBOLS


def default_filters(config: BotConfig) -> tuple[SymbolFilters, ...]:
    """The simulator's exchangeInfo, read the way a live one is: the table lives in one place."""
    fees: dict[str, tuple[Decimal, Decimal]] = {
        s: (config.paper.maker_fee_rate, config.paper.taker_fee_rate) for s in ALL_SYMBOLS}
    return parse_exchange_info(exchange_info(0), fees, ALL_SYMBOLS)


def parse_exchange_info(info: dict[str, Any], fees: dict[str, tuple[Decimal, Decimal]],
                        symbols: tuple[str, ...]) -> tuple[SymbolFilters, ...]:
    """SymbolFilters from an exchangeInfo body; `fees` maps symbol → (maker, taker). A symbol without
    PRICE_FILTER or LOT_SIZE is left out (the boot check names it)."""
    out: list[SymbolFilters] = []
    for row in info.get("symbols", []):
        sym = row.get("symbol")
        if sym not in symbols or sym not in ALL_SYMBOLS:
            continue
        f = {x["filterType"]: x for x in row.get("filters", [])}
        price, lot = f.get("PRICE_FILTER"), f.get("LOT_SIZE")
        if price is None or lot is None:
            continue
        market = f.get("MARKET_LOT_SIZE", {})
        percent = f.get("PERCENT_PRICE", {})
        maker, taker = fees.get(sym, (Decimal(0), Decimal(0)))
        out.append(SymbolFilters(
            symbol=sym, tick_size=Decimal(price["tickSize"]), step_size=Decimal(lot["stepSize"]),
            min_qty=Decimal(lot["minQty"]), min_notional=Decimal(f.get("MIN_NOTIONAL", {}).get("notional", "0")),
            maker_fee_rate=maker, taker_fee_rate=taker, status=str(row.get("status", "TRADING")),
            min_price=_dec(price.get("minPrice")), max_price=_dec(price.get("maxPrice")),
            max_qty=_dec(lot.get("maxQty")),
            market_step_size=_dec(market.get("stepSize")), market_min_qty=_dec(market.get("minQty")),
            market_max_qty=_dec(market.get("maxQty")), percent_up=_dec(percent.get("multiplierUp")),
            percent_down=_dec(percent.get("multiplierDown")),
        ))
    return tuple(out)


def _dec(value: Any) -> Decimal | None:
    """A filter bound; Binance writes 0 for "no bound" on some (maxPrice 0)."""
    if value is None:
        return None
    d = Decimal(str(value))
    return d if d > 0 else None


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


def probe_order(f: SymbolFilters, bid: Decimal) -> dict[str, Any]:
    """A valid order that would rest (a post-only buy at the bid, the smallest notional the filters allow):
    what the trade-permission check sends to POST /fapi/v1/order/test, which never reaches the engine."""
    price = floor_to(bid, f.tick_size)
    qty = max(f.min_qty, ceil_to(f.min_notional * Decimal("1.05") / price, f.step_size))
    return {"symbol": f.symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": f"{qty:f}",
            "price": f"{price:f}"}
