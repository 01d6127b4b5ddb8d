"""Binance user-data events → the executor's venue reports. Shared by the live venue (the `/private`
stream) and the paper venue (the events of the shared matching core), so both report alike.

Acceptance is not taken from the stream (x=NEW / algo NEW): it comes from the order response, so a
report is never doubled.

A triggered stop or take profit becomes an engine order with an order id of its own. Binance does not
promise the order of its events: the engine order's fill may come before `ALGO_UPDATE TRIGGERED` names
it (nautilus_trader #3664, PR #3665) or after, and whether the engine order carries our clientAlgoId as
its client id is not documented (nautilus_trader #3664 suggests it does). So a fill is attributed by, in
turn: the engine order id once TRIGGERED or FINISHED named it (`ai`); the client id when it is ours; a
query of our algo orders (`actualOrderId`) by the live runner when neither came within `HOLD_MS`
(`due`/`resolve`). Until then the engine order's events are held, never dropped. FINISHED's `aq`/`ap` are
authoritative: quantity they report beyond the fills seen is a follow-up the live runner reads from the
exchange (`followups`). Fills by the exchange's own orders (liquidation `autoclose-…`, ADL
`adl_autoclose`, reference §3.2) and by anyone else's are `ExternalFill`s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast

from executor.ids import is_algo
from schemas.account import BalanceReported, FundingCharged
from schemas.envelope import Payload
from schemas.orders import ExternalFill, OrderCanceled, OrderFilled, OrderPurpose, OrderRejected
from schemas.types import ALL_SYMBOLS, OrderSide, Symbol

# client id → (setup id, purpose); None when the id is not one of ours
MetaFn = Callable[[str], "tuple[str | None, OrderPurpose] | None"]
# (asset, amount, fill notional in USDT) → the amount in USDT
ConvertFn = Callable[[str, Decimal, Decimal], Decimal]
HOLD_MS = 500  # how long an unknown engine order's events wait for TRIGGERED before a query
FOREIGN_KEPT = 1000
ZERO = Decimal(0)


def usdt_only(asset: str, amount: Decimal, notional: Decimal) -> Decimal:
    if asset != "USDT":
        raise ValueError(f"no price for commission asset {asset}")
    return amount


def forced_kind(o: dict[str, Any]) -> Literal["LIQUIDATION", "ADL", "EXTERNAL"] | None:
    """Whether an order is the exchange's own close of a position, and which."""
    c = str(o.get("c", ""))
    if c.startswith("adl_autoclose"):
        return "ADL"
    if c.startswith("autoclose") or o.get("o") == "LIQUIDATION" or o.get("x") == "CALCULATED":
        return "LIQUIDATION"
    if c.startswith("settlement_autoclose"):
        return "EXTERNAL"  # a delisted symbol settled by the exchange
    return None


@dataclass
class Followup:
    """Quantity FINISHED reports beyond the engine fills we saw: to be read from the exchange."""

    client_order_id: str
    symbol: str
    side: str
    engine_order_id: str
    executed: Decimal
    avg_price: Decimal


@dataclass
class Held:
    symbol: str
    since: int
    events: list[dict[str, Any]] = field(default_factory=list)


class Translator:
    def __init__(self, meta: MetaFn, convert: ConvertFn = usdt_only) -> None:
        self.meta = meta
        self.convert = convert
        self.engine: dict[str, str] = {}  # engine order id → clientAlgoId
        self.held: dict[str, Held] = {}  # engine order id → its events, not attributable yet
        self.foreign: list[str] = []  # order ids known not to be ours (newest last, bounded)
        self.algo_filled: dict[str, tuple[Decimal, Decimal]] = {}  # clientAlgoId → (qty, cost) via engine fills
        self.followups: list[Followup] = []

    def reports(self, event: dict[str, Any], now: int = 0) -> list[Payload]:
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            return self._order(event["o"], now)
        if kind == "ALGO_UPDATE":
            return self._algo(event["o"])
        if kind == "ACCOUNT_UPDATE":
            return self._account(event)
        return []

    # --- held engine orders -----------------------------------------------------------------------
    def due(self, now: int) -> list[tuple[str, str]]:
        """(order id, symbol) of held orders that waited HOLD_MS or more: the runner queries for them."""
        return [(oid, h.symbol) for oid, h in self.held.items() if now - h.since >= HOLD_MS]

    def resolve(self, order_id: str, cid: str | None) -> list[Payload]:
        """A held order is our algo order `cid` (found by a query), or not ours (None)."""
        held = self.held.pop(order_id, None)
        if cid is not None:
            self.engine[order_id] = cid
            return [r for o in (held.events if held else []) for r in self._ours(cid, o)]
        self.foreign = [*self.foreign[-FOREIGN_KEPT + 1:], order_id]
        return [r for o in (held.events if held else []) for r in self._external(o, "EXTERNAL")]

    # --- orders -------------------------------------------------------------------------------------
    def _order(self, o: dict[str, Any], now: int) -> list[Payload]:
        if o.get("s") not in ALL_SYMBOLS:
            return []  # another symbol's order on the same account: none of ours, none of our positions
        oid, c = str(o.get("i")), str(o.get("c", ""))
        cid = self.engine.get(oid)
        if cid is None and self.meta(c) is not None:
            cid = c
            if is_algo(c):
                self.engine[oid] = c  # the engine order carries our clientAlgoId
        if cid is not None:
            return self._ours(cid, o)
        kind = forced_kind(o)
        if kind is not None or oid in self.foreign:
            return self._external(o, kind or "EXTERNAL")
        self.held.setdefault(oid, Held(str(o.get("s", "")), now)).events.append(o)
        return []

    def _ours(self, cid: str, o: dict[str, Any]) -> list[Payload]:
        meta = self.meta(cid)
        if meta is None:
            return []
        setup_id, purpose = meta
        symbol = cast(Symbol, o["s"])
        x = o.get("x")
        if x in ("TRADE", "CALCULATED"):
            qty, price = Decimal(o["l"]), Decimal(o["L"])
            fee, asset = Decimal(o.get("n") or 0), str(o.get("N") or "USDT")
            if is_algo(cid):
                q, cost = self.algo_filled.get(cid, (ZERO, ZERO))
                self.algo_filled[cid] = (q + qty, cost + qty * price)
                self.followups = [f for f in self.followups  # a fill that came after FINISHED covers it
                                  if f.client_order_id != cid or f.executed > q + qty]
            rp = o.get("rp")
            return [OrderFilled(
                client_order_id=cid, setup_id=setup_id, symbol=symbol, side=cast(OrderSide, o["S"]),
                purpose=purpose, fill_qty=qty, fill_price=price, cum_qty=Decimal(o["z"]),
                avg_price=Decimal(o["ap"]), fee_usdt=self.convert(asset, fee, qty * price), maker=bool(o.get("m")),
                final=o.get("X") == "FILLED", fee=fee, fee_asset=asset,
                realized_pnl=Decimal(rp) if rp is not None else None,
                trade_id=int(o["t"]) if o.get("t") else None,
            )]
        if x in ("CANCELED", "EXPIRED") or o.get("X") in ("EXPIRED_IN_MATCH",):
            return [OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=symbol,
                                  filled_qty=Decimal(o.get("z") or 0), reason=str(x))]
        if x == "REJECTED":
            return [OrderRejected(client_order_id=cid, setup_id=setup_id, symbol=symbol, code=0, msg="rejected")]
        return []

    def _external(self, o: dict[str, Any], kind: Literal["LIQUIDATION", "ADL", "EXTERNAL"]) -> list[Payload]:
        if o.get("x") not in ("TRADE", "CALCULATED") or not Decimal(o.get("l") or 0):
            return []
        qty, price = Decimal(o["l"]), Decimal(o["L"])
        fee, asset = Decimal(o.get("n") or 0), str(o.get("N") or "USDT")
        rp = o.get("rp")
        return [ExternalFill(
            symbol=cast(Symbol, o["s"]), client_order_id=str(o.get("c", "")), order_id=str(o.get("i")), kind=kind,
            side=cast(OrderSide, o["S"]), qty=qty, price=price, fee_usdt=self.convert(asset, fee, qty * price),
            fee=fee, fee_asset=asset, realized_pnl=Decimal(rp) if rp is not None else None,
            trade_id=int(o["t"]) if o.get("t") else None, time=int(o.get("T") or 0),
        )]

    # --- algo orders ------------------------------------------------------------------------------
    def _algo(self, o: dict[str, Any]) -> list[Payload]:
        cid = str(o.get("caid", ""))
        out: list[Payload] = []
        engine_id = str(o.get("ai") or "")
        if engine_id and self.meta(cid) is not None:
            self.engine[engine_id] = cid
            held = self.held.pop(engine_id, None)
            out += [r for e in (held.events if held else []) for r in self._ours(cid, e)]
        meta = self.meta(cid)
        if meta is None:
            return out
        setup_id, _ = meta
        symbol = cast(Symbol, o["s"])
        status = o.get("X")
        reason = str(o.get("rm") or "")
        if status in ("CANCELED", "EXPIRED"):
            out.append(OrderCanceled(client_order_id=cid, setup_id=setup_id, symbol=symbol, filled_qty=ZERO,
                                     reason=f"{status}: {reason}" if reason else str(status)))
        elif status == "REJECTED":
            out.append(OrderRejected(client_order_id=cid, setup_id=setup_id, symbol=symbol, code=0,
                                     msg=reason or "algo order rejected at trigger time"))
        elif status == "FINISHED":
            executed, avg = Decimal(o.get("aq") or 0), Decimal(o.get("ap") or 0)
            seen, _ = self.algo_filled.get(cid, (ZERO, ZERO))
            if executed > seen:
                self.followups.append(Followup(cid, symbol, str(o.get("S", "")), engine_id, executed, avg))
        return out

    # --- the account --------------------------------------------------------------------------------
    def _account(self, event: dict[str, Any]) -> list[Payload]:
        a = event.get("a") or {}
        reason = str(a.get("m") or "")
        balances = {str(b["a"]): b for b in a.get("B") or []}
        positions = a.get("P") or []
        out: list[Payload] = []
        if reason == "FUNDING_FEE":
            for asset, b in balances.items():
                amount = Decimal(b.get("bc") or 0)
                symbol = positions[0]["s"] if len(positions) == 1 else None
                out.append(FundingCharged(symbol=symbol, asset=asset, amount=amount,
                                          amount_usdt=self.convert(asset, amount, ZERO),
                                          time=int(event.get("T") or event.get("E") or 0)))
        usdt = balances.get("USDT")
        unrealized = {str(p["s"]): Decimal(p.get("up") or 0) for p in positions}
        out.append(BalanceReported(
            wallet_usdt=Decimal(usdt["wb"]) if usdt is not None else None, unrealized_usdt=unrealized or None,
            assets={asset: Decimal(b["wb"]) for asset, b in balances.items()}, reason=reason))
        return out
