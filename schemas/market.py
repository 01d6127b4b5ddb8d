"""Market data on `md.<SYMBOL>`: liquidations, 1m klines, the best bid/ask. Written by ingest."""

from __future__ import annotations

from decimal import Decimal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.types import EpochMs, OrderSide, Symbol

MD = "md.{symbol}"


@event(MD)
class LiquidationObserved(Payload):
    """A forceOrder snapshot. `side` is the liquidation order's side: SELL = a long was liquidated."""

    symbol: Symbol
    side: OrderSide
    avg_price: Decimal
    qty: Decimal  # accumulated filled quantity `z`
    usd_value: Decimal  # avg_price × qty
    price: Decimal | None = None  # order (bankruptcy) price `p`, absent in CSV recordings
    status: str = "FILLED"
    trade_time: EpochMs


class _Kline(Payload):
    symbol: Symbol
    interval: str = "1m"
    open_time: EpochMs
    close_time: EpochMs
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int


@event(MD)
class KlineUpdated(_Kline):
    """The forming candle changed (Binance pushes it every 250 ms)."""


@event(MD)
class KlineClosed(_Kline):
    """The candle is final. Strategy uses a candle as closed only after this event."""


@event(MD)
class BookTickerUpdated(Payload):
    """Best bid/ask, conflated by ingest to the latest per symbol at most every `book_conflate_ms`."""

    symbol: Symbol
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    update_id: int
