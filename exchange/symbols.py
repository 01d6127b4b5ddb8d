"""The symbol table: per-symbol trading rules, and the exchangeInfo document made of them.

The one table: the simulator serves it, the executor's built-in filters (`executor/filters.py`) read it the
way they read a live exchangeInfo, and the paper account matches by it.

Filter values: BTCUSDT tick 0.10 / step 0.001 / MIN_NOTIONAL 100 and ETHUSDT tick 0.01 / step 0.001 /
MIN_NOTIONAL 20 as seen in third-party fixtures of real exchangeInfo bodies (code index) and in the
"Order's notional must be no smaller than 100" error quoted in reference §0.8; SOLUSDT tick 0.0100 /
step 1 / MIN_NOTIONAL 5 is the brief's default (no real body found). Shape of every field follows
shared/fixtures/binance/exchangeInfo_excerpt.json except ``orderTypes`` (the real key, reference §4.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    base: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    min_price: Decimal
    max_price: Decimal
    price_precision: int
    qty_precision: int
    onboard_ms: int
    # exchangeInfo "triggerProtect": the largest |last - mark| / mark at which a priceProtect order triggers
    trigger_protect: Decimal = Decimal("0.0500")
    # exchangeInfo PERCENT_PRICE multipliers (served and read as filters; the matching does not enforce them)
    percent_up: Decimal = Decimal("1.0500")
    percent_down: Decimal = Decimal("0.9500")

    def fmt_price(self, price: Decimal) -> str:
        return f"{price.quantize(Decimal(1).scaleb(-self.price_precision)):f}"

    def fmt_qty(self, qty: Decimal) -> str:
        return f"{qty.quantize(Decimal(1).scaleb(-self.qty_precision)):f}"

    def floor_tick(self, price: Decimal) -> Decimal:
        return (price / self.tick).to_integral_value(ROUND_DOWN) * self.tick

    def ceil_tick(self, price: Decimal) -> Decimal:
        return (price / self.tick).to_integral_value(ROUND_UP) * self.tick


SYMBOLS: dict[str, SymbolSpec] = {
    "BTCUSDT": SymbolSpec(
        "BTCUSDT",
        "BTC",
        Decimal("0.10"),
        Decimal("0.001"),
        Decimal("0.001"),
        Decimal("1000"),
        Decimal("120"),
        Decimal("100"),
        Decimal("261.10"),
        Decimal("809484"),
        2,
        3,
        1569398400000,
    ),
    "ETHUSDT": SymbolSpec(
        "ETHUSDT",
        "ETH",
        Decimal("0.01"),
        Decimal("0.001"),
        Decimal("0.001"),
        Decimal("10000"),
        Decimal("2000"),
        Decimal("20"),
        Decimal("39.86"),
        Decimal("306177"),
        2,
        3,
        1569398400000,
    ),
    "SOLUSDT": SymbolSpec(
        "SOLUSDT",
        "SOL",
        Decimal("0.0100"),
        Decimal("1"),
        Decimal("1"),
        Decimal("1000000"),
        Decimal("10000"),
        Decimal("5"),
        Decimal("0.4200"),
        Decimal("6857"),
        4,
        0,
        1600000000000,
    ),
}


def spec(symbol: str) -> SymbolSpec | None:
    return SYMBOLS.get(symbol)


def _symbol_info(s: SymbolSpec) -> dict[str, Any]:
    return {
        "symbol": s.symbol,
        "pair": s.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": s.onboard_ms,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": s.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": s.price_precision,
        "quantityPrecision": s.qty_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": ["PoW"] if s.base == "BTC" else ["Layer-1"],
        "settlePlan": 0,
        "triggerProtect": f"{s.trigger_protect:f}",
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "maxPrice": str(s.max_price),
                "minPrice": str(s.min_price),
                "tickSize": str(s.tick),
            },
            {
                "filterType": "LOT_SIZE",
                "maxQty": str(s.max_qty),
                "minQty": str(s.min_qty),
                "stepSize": str(s.step),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "maxQty": str(s.market_max_qty),
                "minQty": str(s.min_qty),
                "stepSize": str(s.step),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MIN_NOTIONAL", "notional": str(s.min_notional)},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": f"{s.percent_up:f}",
                "multiplierDown": f"{s.percent_down:f}",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
    }


def exchange_info(server_time_ms: int) -> dict[str, Any]:
    return {
        "exchangeFilters": [],
        "rateLimits": [
            {"interval": "MINUTE", "intervalNum": 1, "limit": 2400, "rateLimitType": "REQUEST_WEIGHT"},
            {"interval": "MINUTE", "intervalNum": 1, "limit": 1200, "rateLimitType": "ORDERS"},
        ],
        "serverTime": server_time_ms,
        "assets": [
            {"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"},
            {"asset": "BTC", "marginAvailable": True, "autoAssetExchange": "-0.10"},
            {"asset": "BNB", "marginAvailable": False, "autoAssetExchange": None},
        ],
        "symbols": [_symbol_info(s) for s in SYMBOLS.values()],
        "timezone": "UTC",
    }
