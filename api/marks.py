"""Mark-to-market for open positions: the latest book ticker on the symbol's market-data stream.

A LONG is valued at the best bid and a SHORT at the best ask (what a market exit would get before fees),
so the unrealized PnL shown is what closing now would realize, less the exit fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from api.commands import envelope_of
from schemas.market import BookTickerUpdated
from schemas.streams import md

SCAN_BACK = 200  # md streams interleave klines and liquidations; a book ticker is always among the last few


@dataclass(frozen=True, slots=True)
class Mark:
    price: Decimal
    at: datetime


async def latest_book(redis: aioredis.Redis, symbol: str) -> tuple[BookTickerUpdated, int] | None:
    """The newest book ticker of `symbol` and its exchange time (epoch ms), or None (no data, Redis down)."""
    try:
        entries = await redis.xrevrange(md(symbol), count=SCAN_BACK)
    except RedisError:
        return None
    for _id, fields in entries or []:
        envelope = envelope_of(fields)
        if envelope is not None and isinstance(envelope.payload, BookTickerUpdated):
            return envelope.payload, envelope.ts
    return None


def mark_for(side: str, book: BookTickerUpdated, ts_ms: int) -> Mark:
    price = book.bid if side == "LONG" else book.ask
    return Mark(price, datetime.fromtimestamp(ts_ms / 1000, UTC))


def unrealized_pnl(side: str, qty: Decimal, entry: Decimal, mark: Decimal) -> Decimal:
    move = mark - entry if side == "LONG" else entry - mark
    return (move * qty).quantize(Decimal("0.0001"))
