"""Fills as the exchange recorded them (`GET /fapi/v1/userTrades`): one report per exchange trade, with its
trade id, its real commission in whatever asset was charged (converted to USDT at the fill) and its
realized PnL. Used wherever the stream did not tell us: an order queried after a gap, the quantity a
FINISHED stop reports beyond the fills seen, and a settle read of a symbol (its fills and its position).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from loguru import logger

from executor.errors import describe
from executor.ids import is_algo
from executor.state import ExecState, Request
from executor.translate import Followup, forced_kind
from schemas.envelope import Payload
from schemas.orders import ExternalFill, OrderAccepted, OrderCanceled, OrderFilled, PositionReported
from schemas.types import OrderSide, Symbol

if TYPE_CHECKING:
    from executor.binance import BinanceVenue

ZERO = Decimal(0)
PRICE_MAX_AGE_MS = 60_000
FALLBACK_FEE_RATE = Decimal("0.0005")  # VIP0 taker: only when a commission's asset cannot be valued


class Prices:
    """USDT prices of the commission assets (BNB), read from the exchange and kept a minute."""

    def __init__(self, venue: BinanceVenue) -> None:
        self.venue = venue
        self.cache: dict[str, tuple[Decimal, int]] = {}

    async def ensure(self, assets: Iterable[str]) -> None:
        now = self.venue.clock.now_ms()
        for asset in set(assets) - {"USDT", ""}:
            known = self.cache.get(asset)
            if known is not None and now - known[1] < PRICE_MAX_AGE_MS:
                continue
            try:
                row = await self.venue.call(self.venue.client.futures_symbol_ticker, symbol=f"{asset}USDT", version=1)
                self.cache[asset] = (Decimal(str(row["price"])), now)
            except Exception as exc:  # valued by the fallback below, and said so
                logger.error("no USDT price for commission asset {}: {}", asset, describe(exc))

    def convert(self, asset: str, amount: Decimal, notional: Decimal) -> Decimal:
        if asset == "USDT":
            return amount
        known = self.cache.get(asset)
        if known is not None:
            return amount * known[0]
        logger.error("commission {} {} could not be valued in USDT: booked as {} of the notional", amount, asset,
                     FALLBACK_FEE_RATE)
        return notional * FALLBACK_FEE_RATE


async def trade_fills(venue: BinanceVenue, symbol: str, cid: str, order_id: str, filled: bool) -> list[OrderFilled]:
    """Every trade of one order of ours, with cumulative quantities; the last is final when the order is
    FILLED."""
    meta = venue.meta(cid)
    if meta is None:
        return []
    rows = await _trades(venue, symbol, orderId=int(order_id))
    return _order_fills(venue, symbol, cid, meta, rows, filled)


def _order_fills(venue: BinanceVenue, symbol: str, cid: str, meta: tuple[str | None, Any],
                 rows: list[dict[str, Any]], filled: bool) -> list[OrderFilled]:
    setup_id, purpose = meta
    out: list[OrderFilled] = []
    cum = cost = ZERO
    for i, r in enumerate(rows):
        qty, price = Decimal(str(r["qty"])), Decimal(str(r["price"]))
        cum, cost = cum + qty, cost + qty * price
        fee, asset = Decimal(str(r["commission"])), str(r["commissionAsset"])
        out.append(OrderFilled(
            client_order_id=cid, setup_id=setup_id, symbol=_sym(symbol), side=cast(OrderSide, r["side"]),
            purpose=purpose, fill_qty=qty, fill_price=price, cum_qty=cum, avg_price=cost / cum,
            fee_usdt=venue.prices.convert(asset, fee, qty * price), maker=bool(r.get("maker")),
            final=filled and i == len(rows) - 1, fee=fee, fee_asset=asset,
            realized_pnl=Decimal(str(r["realizedPnl"])), trade_id=int(r["id"])))
    return out


async def _trades(venue: BinanceVenue, symbol: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await venue.call(venue.client.futures_account_trades, symbol=symbol, limit=1000,
                                                  **params)
    rows = sorted(rows, key=lambda r: int(r["id"]))
    await venue.prices.ensure(str(r["commissionAsset"]) for r in rows)
    return rows


async def order_reports(venue: BinanceVenue, cid: str, order: dict[str, Any]) -> list[Payload]:
    """What GET /fapi/v1/order says of one of our orders that we have not reported: acceptance, each new
    fill (from userTrades), its end."""
    meta = venue.meta(cid)
    if meta is None:
        return []
    setup_id, _ = meta
    symbol = _sym(str(order["symbol"]))
    out: list[Payload] = [OrderAccepted(client_order_id=cid, setup_id=setup_id, symbol=symbol,
                                        exchange_order_id=str(order.get("orderId", "")))]
    status = str(order.get("status"))
    out += await _new_fills(venue, symbol, cid, order, status == "FILLED")
    if status in ("CANCELED", "EXPIRED", "REJECTED", "EXPIRED_IN_MATCH"):
        out.append(OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=symbol,
                                 filled_qty=Decimal(str(order.get("executedQty", "0"))), reason=status))
    return out


async def engine_reports(venue: BinanceVenue, symbol: str, cid: str, engine_id: str) -> list[Payload]:
    """The fills of a triggered algo order's engine order (its `actualOrderId`), as the algo's."""
    order = await venue.call(venue.client.futures_get_order, symbol=symbol, orderId=int(engine_id))
    return list(await _new_fills(venue, _sym(symbol), cid, order, str(order.get("status")) == "FILLED"))


async def _new_fills(venue: BinanceVenue, symbol: str, cid: str, order: dict[str, Any],
                     filled: bool) -> list[OrderFilled]:
    executed = Decimal(str(order.get("executedQty", "0")))
    done, _ = venue.reported.get(cid, (ZERO, ZERO))
    if executed <= done:
        return []
    fills = [f for f in await trade_fills(venue, symbol, cid, str(order["orderId"]), filled) if f.cum_qty > done]
    got = fills[-1].cum_qty if fills else done
    if got < executed:  # the trade list lags the order: book the rest at the order's average, said so
        fills.append(_implied_fill(venue, symbol, cid, order, got, executed, filled))
    return fills


def _implied_fill(venue: BinanceVenue, symbol: str, cid: str, order: dict[str, Any], got: Decimal,
                  executed: Decimal, filled: bool) -> OrderFilled:
    meta = venue.meta(cid)
    assert meta is not None
    avg = Decimal(str(order.get("avgPrice", "0")))
    _, cost = venue.reported.get(cid, (ZERO, ZERO))
    qty = executed - got
    price = (avg * executed - cost) / qty if cost else avg
    maker, taker = venue.fees.get(symbol, (Decimal("0.0002"), Decimal("0.0005")))
    is_maker = order.get("type") == "LIMIT"
    logger.warning("{}: {} of {} filled has no trade record yet; booked at {} with an estimated fee", cid, qty,
                   executed, price)
    return OrderFilled(client_order_id=cid, setup_id=meta[0], symbol=_sym(symbol), side=cast(OrderSide, order["side"]),
                       purpose=meta[1], fill_qty=qty, fill_price=price, cum_qty=executed, avg_price=avg,
                       fee_usdt=qty * price * (maker if is_maker else taker), maker=is_maker, final=filled)


def implied_engine_fill(venue: BinanceVenue, followup: Followup) -> list[Payload]:
    """FINISHED said more than we saw and the exchange's trade record could not be read: book the rest from
    FINISHED's `aq`/`ap` (the authoritative totals), with an estimated commission."""
    cid, symbol, executed, avg = followup.client_order_id, followup.symbol, followup.executed, followup.avg_price
    meta = venue.meta(cid)
    done, cost = venue.reported.get(cid, (ZERO, ZERO))
    if meta is None or executed <= done:
        return []
    qty = executed - done
    price = (avg * executed - cost) / qty
    _, taker = venue.fees.get(symbol, (Decimal("0.0002"), Decimal("0.0005")))
    side = cast(OrderSide, followup.side)
    return [OrderFilled(client_order_id=cid, setup_id=meta[0], symbol=_sym(symbol), side=side, purpose=meta[1],
                        fill_qty=qty, fill_price=price, cum_qty=executed, avg_price=avg, fee_usdt=qty * price * taker,
                        maker=False, final=True)]


SETTLE_READS = 3  # a flat position whose closing fill is not in the trade list yet: read again, 1 s apart


async def settle(venue: BinanceVenue, req: Request, state: ExecState, engine: dict[str, str]) -> list[Payload]:
    """A symbol's fills since `req.since` (our clock; the exchange's is `venue.offset` away) that we may not have
    booked (ours, and anyone's), then its position: the core books what is new (by trade id and cumulative
    quantity) and compares. The position is read first: every fill that made it is then in the trade list
    (read again a little later while a flat position has no closing fill in it)."""
    symbol = req.symbol
    t = state.trades.get(req.setup_id or "")
    for attempt in range(SETTLE_READS):
        positions = await venue.call(venue.client.futures_position_information, symbol=symbol)
        row = next((p for p in positions if p.get("symbol") == symbol), None)
        amount = Decimal(str(row["positionAmt"])) if row else ZERO
        out = await _fills_since(venue, req, state, engine)
        explained = amount != 0 or t is None or t.position <= 0 or any(
            isinstance(r, ExternalFill | OrderFilled) and r.side != ("BUY" if t.side == "LONG" else "SELL")
            for r in out)
        if explained or attempt == SETTLE_READS - 1:
            break
        await asyncio.sleep(1.0)
    out.append(PositionReported(symbol=_sym(symbol), amount=amount,
                                entry_price=Decimal(str(row["entryPrice"])) if row else ZERO, reason=req.purpose,
                                request=req.cid))
    return out


async def _fills_since(venue: BinanceVenue, req: Request, state: ExecState, engine: dict[str, str]) -> list[Payload]:
    symbol = req.symbol
    ours: dict[str, str] = {o.exchange_id: cid for cid, o in state.orders.items()
                            if o.symbol == symbol and o.exchange_id and not is_algo(cid)}
    ours.update({oid: cid for oid, cid in engine.items() if cid in state.orders})
    for cid, o in state.orders.items():  # triggered stops: their engine order's id
        if o.symbol == symbol and is_algo(cid) and cid not in ours.values() and o.status in ("NEW", "FILLED"):
            algo = await venue.find_algo(symbol, cid)
            if algo is not None and algo.get("actualOrderId"):
                ours[str(algo["actualOrderId"])] = cid
    rows = await _trades(venue, symbol, startTime=max(0, (req.since or 0) + venue.offset - 1000))
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_order[str(r["orderId"])].append(r)
    out: list[Payload] = []
    for order_id, order_rows in by_order.items():
        order = await venue.call(venue.client.futures_get_order, symbol=symbol, orderId=int(order_id))
        ours_cid = ours.get(order_id)
        meta = venue.meta(ours_cid) if ours_cid is not None else None
        if ours_cid is not None and meta is not None:
            out += _order_fills(venue, symbol, ours_cid, meta, order_rows, str(order.get("status")) == "FILLED")
        else:
            out += _external(venue, symbol, order, order_rows)
    return out


def _external(venue: BinanceVenue, symbol: str, order: dict[str, Any], rows: list[dict[str, Any]]) -> list[Payload]:
    cid = str(order.get("clientOrderId", ""))
    kind = forced_kind({"c": cid, "o": order.get("type")}) or "EXTERNAL"
    return [ExternalFill(symbol=_sym(symbol), client_order_id=cid, order_id=str(order.get("orderId")), kind=kind,
                         side=cast(OrderSide, r["side"]), qty=Decimal(str(r["qty"])), price=Decimal(str(r["price"])),
                         fee_usdt=venue.prices.convert(str(r["commissionAsset"]), Decimal(str(r["commission"])),
                                                       Decimal(str(r["qty"])) * Decimal(str(r["price"]))),
                         fee=Decimal(str(r["commission"])), fee_asset=str(r["commissionAsset"]),
                         realized_pnl=Decimal(str(r["realizedPnl"])), trade_id=int(r["id"]), time=int(r["time"]))
            for r in rows]


def _sym(symbol: str) -> Symbol:
    return symbol  # type: ignore[return-value]

