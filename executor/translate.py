"""Binance user-data events → the executor's venue reports. Shared by the live venue (the `/private`
stream) and the paper venue (the events of the shared matching core), so both report alike.

Acceptance is not taken from the stream (x=NEW / algo NEW): it comes from the order response, so a
report is never doubled. Fills of a triggered algo order arrive as ORDER_TRADE_UPDATEs of the engine
order; `algo_orders` maps its order id (`ai`) back to our clientAlgoId.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from schemas.envelope import Payload
from schemas.orders import OrderCanceled, OrderFilled, OrderPurpose, OrderRejected
from schemas.types import OrderSide, Symbol

# client id → (setup id, purpose); None when the id is not one of ours
MetaFn = Callable[[str], "tuple[str | None, OrderPurpose] | None"]


class Translator:
    def __init__(self, meta: MetaFn) -> None:
        self.meta = meta
        self.algo_orders: dict[str, str] = {}  # engine order id → clientAlgoId

    def reports(self, event: dict[str, Any]) -> list[Payload]:
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            return self._order(event["o"])
        if kind == "ALGO_UPDATE":
            return self._algo(event["o"])
        return []

    def _order(self, o: dict[str, Any]) -> list[Payload]:
        cid = self.algo_orders.get(str(o.get("i")), str(o.get("c", "")))
        meta = self.meta(cid)
        if meta is None:
            return []
        setup_id, purpose = meta
        symbol = cast(Symbol, o["s"])
        x = o.get("x")
        if x == "TRADE":
            return [OrderFilled(
                client_order_id=cid, setup_id=setup_id, symbol=symbol, side=cast(OrderSide, o["S"]),
                purpose=purpose, fill_qty=Decimal(o["l"]), fill_price=Decimal(o["L"]), cum_qty=Decimal(o["z"]),
                avg_price=Decimal(o["ap"]), fee_usdt=Decimal(o.get("n") or 0), maker=bool(o.get("m")),
                final=o.get("X") == "FILLED",
            )]
        if x in ("CANCELED", "EXPIRED") or o.get("X") in ("EXPIRED_IN_MATCH",):
            return [OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=symbol,
                                  filled_qty=Decimal(o.get("z") or 0), reason=str(x))]
        if x == "REJECTED":
            return [OrderRejected(client_order_id=cid, setup_id=setup_id, symbol=symbol, code=0, msg="rejected")]
        return []

    def _algo(self, o: dict[str, Any]) -> list[Payload]:
        cid = str(o.get("caid", ""))
        if o.get("ai"):
            self.algo_orders[str(o["ai"])] = cid
        meta = self.meta(cid)
        if meta is None:
            return []
        setup_id, _ = meta
        symbol = cast(Symbol, o["s"])
        status = o.get("X")
        if status in ("CANCELED", "EXPIRED"):
            return [OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=symbol,
                                  filled_qty=Decimal(0), reason=str(status))]
        if status == "REJECTED":
            return [OrderRejected(client_order_id=cid, setup_id=setup_id, symbol=symbol, code=0,
                                  msg=str(o.get("rm") or "algo order rejected"))]
        return []
