"""The live executor core driven by hand: inputs in, outputs out, the venue's reports typed by the test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from executor.core import VENUE_SOURCE, ExecutorCore
from executor.external import ExternalVenue
from executor.filters import default_filters
from executor.state import ExecState, Trade
from schemas.account import UserStreamChanged
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.orders import BootChecksCompleted, OrderAccepted, OrderFilled, OrderSubmitted
from tests.executor.events import T0, approved, book, env

D = Decimal


class LiveCore:
    """A live-mode ExecutorCore, booted (the exchange's filters) and with its user-data stream up."""

    def __init__(self, config: BotConfig | None = None, booted: bool = True, trading_mode: str | None = None) -> None:
        self.config = config or BotConfig()
        self.core = ExecutorCore(self.config, ExternalVenue(), trading_mode=trading_mode)
        self.state: ExecState = self.core.initial_state()
        self.now = T0
        self.out: list[Payload] = []
        if booted:
            self.venue(BootChecksCompleted(ok=True, venue="live", checks=(), filters=default_filters(self.config)))
            self.venue(UserStreamChanged(connected=True))

    def feed(self, e: Envelope) -> list[Payload]:
        self.now = max(self.now + 1, e.ts)
        decision = self.core.decide(self.state, e, self.now)
        self.state = decision.state
        self.out = [x.payload for x in decision.emits]
        return self.out

    def venue(self, payload: Payload) -> list[Payload]:
        return self.feed(env(payload, self.now + 1, VENUE_SOURCE))

    def timer(self, at: int) -> list[Payload]:
        self.now = at
        decision = self.core.on_timer(self.state, at)
        self.state = decision.state
        self.out = [x.payload for x in decision.emits]
        return self.out

    def submitted(self, out: list[Payload]) -> dict[str, OrderSubmitted]:
        """New orders by their leg (`el`, `sl`, `tp2`, ...)."""
        return {p.client_order_id.rsplit("-", 1)[-1]: p for p in out if isinstance(p, OrderSubmitted)}

    def requests(self, action: str) -> list[str]:
        return [r.cid for r in self.state.outbox if r.action == action]

    def cancels(self) -> list[str]:
        return self.requests("cancel")

    def trade(self, setup_id: str = "setup-1") -> Trade:
        return self.state.trades[setup_id]


def ids(setup: str = "setup-1", symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {"setup_id": setup, "symbol": symbol}


def of(out: list[Payload], kind: type[Any]) -> list[Any]:
    return [p for p in out if isinstance(p, kind)]


def accept(c: LiveCore, cid: str, setup: str = "setup-1") -> list[Payload]:
    return c.venue(OrderAccepted(client_order_id=cid, exchange_order_id=f"x-{cid}", **ids(setup)))


def fill(c: LiveCore, cid: str, qty: str, price: str, *, side: str = "BUY", purpose: str = "ENTRY",
         cum: str | None = None, final: bool = True, fee: str = "0.01", fee_asset: str = "USDT",
         fee_usdt: str | None = None, rp: str | None = None, trade_id: int | None = None,
         setup: str = "setup-1") -> list[Payload]:
    return c.venue(OrderFilled(
        client_order_id=cid, side=side, purpose=purpose, fill_qty=D(qty), fill_price=D(price),
        cum_qty=D(cum or qty), avg_price=D(price), fee_usdt=D(fee_usdt or fee), maker=False, final=final,
        fee=D(fee), fee_asset=fee_asset, realized_pnl=D(rp) if rp is not None else None, trade_id=trade_id,
        **ids(setup)))


def open_long(c: LiveCore, qty: str = "0.010", price: str = "100000.0", setup: str = "setup-1") -> dict[str, str]:
    """Book at 100000.0/100000.1, a LONG approved, its LIMIT filled at `price`, stop and take profit accepted.
    Returns the client ids by leg."""
    c.feed(book(c.now + 1, "100000.0", "100000.1"))
    legs = {k: v.client_order_id for k, v in c.submitted(c.feed(approved(c.now + 1, "LONG", qty, "100000.1",
                                                                          setup_id=setup))).items()}
    accept(c, legs["el"], setup)
    legs |= {k: v.client_order_id for k, v in c.submitted(fill(c, legs["el"], qty, price, trade_id=1,
                                                                setup=setup)).items()}
    accept(c, legs["sl"], setup)
    accept(c, legs["tp"], setup)
    return legs
