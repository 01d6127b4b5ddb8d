"""What the exchange holds against what we hold, read at boot and after every user-stream reconnect.

For each open trade: its fills since it opened and the exchange's position (executor.fills.settle; the core
compares side and size, executor.reconcile). Then each of our orders that should be working is queried;
one the exchange does not know (after patience, since conditional orders have answered -2013 while they
existed) ended as far as we are concerned. In our symbols, orders and positions that are not ours: with the
config policy "halt" (default) boot fails naming them and nothing is touched; with "close" they are
cancelled and closed at market, each with an incident. When our own record was lost, a position that matches
an open trade in PostgreSQL by symbol and side is adopted with its working orders (`TradeAdopted`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binance.exceptions import BinanceAPIException
from loguru import logger

from executor.binance import BinanceVenue
from executor.errors import Banned, Unknown, describe
from executor.fills import settle
from executor.ids import is_algo, purpose_of
from executor.recovery import OpenTrade
from executor.state import ExecState, Request, Trade
from schemas.envelope import Payload
from schemas.orders import CheckResult, OrderCanceled
from schemas.positions import AdoptedOrder, IncidentReported, TradeAdopted
from schemas.types import Symbol

ZERO = Decimal(0)


async def reconcile(venue: BinanceVenue, state: ExecState, symbols: tuple[str, ...], policy: str,
                    rebuild: list[OpenTrade] | None, engine: dict[str, str]) -> tuple[list[Payload], CheckResult]:
    out: list[Payload] = []
    foreign: list[str] = []
    handled: list[str] = []
    held: dict[str, Trade] = {t.symbol: t for t in state.trades.values() if t.stage != "DONE"}
    rebuilt = {r.symbol: r for r in rebuild or []}
    working: set[str] = set()
    held_at_exchange: list[str] = []
    for sym in symbols:
        t = held.get(sym)
        if t is not None:  # first what happened to the position while we were away
            out += await settle(venue, Request("settle", f"boot-{sym}", sym, purpose="boot reconcile",
                                               setup_id=t.setup_id, since=t.opened_ts or t.approved_ts),
                                state, engine)
        orders = [(o["clientOrderId"], o, False) for o in
                  await venue.call(venue.client.futures_get_open_orders, symbol=sym)]
        orders += [(a["clientAlgoId"], a, True) for a in
                   await venue.call(venue.client.futures_get_open_algo_orders, symbol=sym)]
        positions = await venue.call(venue.client.futures_position_information, symbol=sym)
        pos = next((p for p in positions if p.get("symbol") == sym), None)
        amount = Decimal(str(pos["positionAmt"])) if pos else ZERO
        if amount != 0 and (t is not None or sym in rebuilt):
            held_at_exchange.append(f"{sym} {amount}")
        row = rebuilt.get(sym) if t is None else None
        if row is not None and amount != 0 and (amount > 0) != (row.side == "LONG"):
            row = None  # the exchange holds the other side: not that trade
        adopted: list[AdoptedOrder] = []
        for cid, o, algo in orders:
            working.add(cid)
            if cid in state.orders and state.orders[cid].is_open:
                continue
            if row is not None and row.key and cid.startswith(f"lf-{row.key}-"):
                adopted.append(_adopted(cid, o, algo))
            elif cid.startswith("lf-"):  # one of ours that our record no longer holds: a leftover
                await _cancel(venue, sym, o, algo)
                out.append(_incident("STALE_ORDER", sym, f"our order {cid} was still working", "cancelled",
                                     halts=False))
            elif policy == "close":
                await _cancel(venue, sym, o, algo)
                out.append(_incident("UNKNOWN_ORDER", sym, f"{'algo order' if algo else 'open order'} {cid}",
                                     "cancelled", halts=False))
                handled.append(f"cancelled {cid}")
            else:
                foreign.append(f"{'algo order' if algo else 'order'} {cid} ({_describe_order(o, algo)})")
        if row is not None:
            out.append(_trade_adopted(row, amount, Decimal(str(pos["entryPrice"])) if pos else row.entry_price,
                                      adopted))
            out += await settle(venue, Request("settle", f"rebuilt-{sym}", sym, purpose="rebuilt from PostgreSQL",
                                               setup_id=row.setup_id, since=row.opened_ms), state, engine)
        elif amount != 0 and t is None:
            if policy == "close":
                await venue.call(venue.client.futures_create_order, symbol=sym, type="MARKET", reduceOnly="true",
                                 side="SELL" if amount > 0 else "BUY", quantity=f"{abs(amount):f}")
                out.append(_incident("UNKNOWN_POSITION", sym, f"position {amount} not ours", "closed at market",
                                     halts=False))
                handled.append(f"closed {sym} {amount}")
            else:
                foreign.append(f"position {sym} {amount}")
    out += await query_missing(venue, state, working)
    summary = (f"{len(held)} open trade(s) reconciled, {len(rebuild or [])} rebuilt from PostgreSQL "
               f"(positions: {', '.join(held_at_exchange) or 'none'}); "
               f"{sum(1 for c in working if c in state.orders)} of our orders working"
               + (f"; {', '.join(handled)}" if handled else ""))
    if foreign:
        detail = (f"{summary}; NOT OURS in our symbols: {'; '.join(foreign)}. Policy on_foreign_position=halt: "
                  "close or cancel them yourself, or set execution.on_foreign_position=close, then restart")
        return out, CheckResult(name="reconcile", ok=False, detail=detail[:500])
    return out, CheckResult(name="reconcile", ok=True, detail=summary)


async def query_missing(venue: BinanceVenue, state: ExecState, working: set[str] | None = None) -> list[Payload]:
    """Each of our orders that should be working and is not on the exchange's open lists (`working`, when
    known): what the exchange says of it; an order it does not know has ended for us."""
    out: list[Payload] = []
    queued = {r.cid for r in state.outbox if r.action == "place"}
    for cid, order in sorted(state.orders.items()):
        if not order.is_open or cid in queued or (working is not None and cid in working):
            continue
        try:
            found = await venue.query(order.symbol, cid)
            if found is None and is_algo(cid):
                algo = await venue.find_algo(order.symbol, cid, patience_s=venue.algo_unknown_after_s)
                found = None if algo is None else await venue.query(order.symbol, cid)
        except (BinanceAPIException, Unknown, Banned) as exc:
            logger.warning("could not query {}: {}", cid, describe(exc))
            continue
        if found is None:
            found = [OrderCanceled(client_order_id=cid, setup_id=order.setup_id, symbol=_sym(order.symbol),
                                   filled_qty=order.filled, reason="UNKNOWN: not found at the exchange")]
        out += found
    return out


async def catch_up(venue: BinanceVenue, state: ExecState, engine: dict[str, str]) -> list[Payload]:
    """After a (re)connect of the user stream: each open trade settled (fills in the gap, including the
    exchange's own closes), then every order that should be working queried."""
    out: list[Payload] = []
    for t in sorted(state.trades.values(), key=lambda x: x.setup_id):
        if t.stage == "DONE" or t.opened_ts is None:
            continue
        try:
            out += await settle(venue, Request("settle", f"catch-up-{t.setup_id}", t.symbol, purpose="stream gap",
                                               setup_id=t.setup_id, since=t.opened_ts), state, engine)
        except (BinanceAPIException, Unknown, Banned) as exc:
            logger.warning("could not settle {} after reconnect: {}", t.setup_id, describe(exc))
    return out + await query_missing(venue, state)


async def _cancel(venue: BinanceVenue, sym: str, o: dict[str, Any], algo: bool) -> None:
    if algo:
        await venue.call(venue.client.futures_cancel_algo_order, symbol=sym, algoId=o["algoId"])
    else:
        await venue.call(venue.client.futures_cancel_order, symbol=sym, orderId=o["orderId"])


def _describe_order(o: dict[str, Any], algo: bool) -> str:
    if algo:
        return f"{o.get('orderType')} {o.get('side')} trigger {o.get('triggerPrice')}"
    return f"{o.get('type')} {o.get('side')} {o.get('origQty')} at {o.get('price')}"


def _adopted(cid: str, o: dict[str, Any], algo: bool) -> AdoptedOrder:
    purpose = purpose_of(cid) or "ENTRY"
    price = o.get("triggerPrice") if algo else o.get("price")
    return AdoptedOrder(client_order_id=cid, purpose=purpose, order_type=str(o.get("orderType" if algo else "type")),
                        price=Decimal(str(price)) if price else None,
                        exchange_order_id=str(o.get("algoId" if algo else "orderId")))


def _trade_adopted(row: OpenTrade, amount: Decimal, entry: Decimal, orders: list[AdoptedOrder]) -> TradeAdopted:
    qty = abs(amount) if amount != 0 else row.qty  # flat at the exchange: the settle read finds how it closed
    return TradeAdopted(setup_id=row.setup_id, key=row.key or row.setup_id[-16:], symbol=_sym(row.symbol),
                        side="LONG" if row.side == "LONG" else "SHORT", qty=qty,
                        entry_price=entry if amount != 0 and entry > 0 else row.entry_price,
                        opened_ts=row.opened_ms, stop_price=row.stop_price, take_profit_price=row.take_profit_price,
                        sl_pct=row.sl_pct, tp_pct=row.tp_pct, time_stop_ts=row.time_stop_ms, orders=tuple(orders))


def _incident(kind: str, symbol: str, detail: str, action: str, halts: bool = True) -> IncidentReported:
    return IncidentReported(kind=kind, symbol=symbol, setup_id=None, detail=detail, action=action, halts=halts)


def _sym(symbol: str) -> Symbol:
    return symbol  # type: ignore[return-value]
