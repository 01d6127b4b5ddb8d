"""Builders for the governor's input events and a tiny harness that drives the core like the runtime does.

The harness fires due timers before each event (as replay.drivers.ReplayDriver does) and keeps every
output, so tests read as: given these events at these times, the governor emitted this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from governor.core import GovernorCore
from governor.state import GovState
from runtime.core import envelopes, timer_cause
from schemas.account import AccountUpdated
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.orders import (
    BootChecksCompleted,
    CheckResult,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    SymbolFilters,
)
from schemas.positions import PositionClosed, PositionOpened
from schemas.risk import BotStateChanged, EntryApproved, SignalVetoed
from schemas.signals import SetupConfirmed
from schemas.types import ExitReason, PositionSide, Symbol, entry_side

P = TypeVar("P", bound=Payload)

BTC = SymbolFilters(symbol="BTCUSDT", tick_size=Decimal("0.10"), step_size=Decimal("0.001"),
                    min_qty=Decimal("0.001"), min_notional=Decimal(100),
                    maker_fee_rate=Decimal("0.0002"), taker_fee_rate=Decimal("0.0005"))
ETH = SymbolFilters(symbol="ETHUSDT", tick_size=Decimal("0.01"), step_size=Decimal("0.001"),
                    min_qty=Decimal("0.001"), min_notional=Decimal(20),
                    maker_fee_rate=Decimal("0.0002"), taker_fee_rate=Decimal("0.0005"))
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "BTCUSDT": (Decimal("107999.9"), Decimal("108000.0")),
    "ETHUSDT": (Decimal("3799.99"), Decimal("3800.00")),
    "SOLUSDT": (Decimal("150.12"), Decimal("150.13")),
}


def utc_ms(text: str) -> int:
    """"2025-06-02T08:00:00" (UTC) → epoch ms."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


T0 = utc_ms("2025-06-02T08:00:00")  # a Monday, 10:00 in Johannesburg
MIN = 60_000


def config(**changes: Any) -> BotConfig:
    """Defaults (seed §12) with nested overrides: config(risk={"max_trades_per_day": 2}, leverage=3)."""
    base = BotConfig().model_dump()
    for key, value in changes.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) else value
    return BotConfig.model_validate(base)


def envelope(payload: Payload, ts: int, correlation_id: str | None = None, n: int = 0) -> Envelope:
    return Envelope(id=f"{ts:013d}-in{n:06d}", type=payload.TYPE, v=payload.VERSION, ts=ts, source="test",
                    correlation_id=correlation_id, payload=payload)


def boot(ok: bool = True, filters: Sequence[SymbolFilters] = (BTC, ETH)) -> BootChecksCompleted:
    checks = (CheckResult(name="leverage", ok=ok, detail="2x set" if ok else "-4028 leverage not valid"),)
    return BootChecksCompleted(ok=ok, venue="paper", checks=checks, filters=tuple(filters))


def setup(symbol: Symbol = "BTCUSDT", side: PositionSide = "LONG", ts: int = T0,
          bid: Decimal | None = None, ask: Decimal | None = None) -> SetupConfirmed:
    b, a = PRICES[symbol]
    return SetupConfirmed(
        setup_id=f"{symbol}-{side}-{ts}", symbol=symbol, side=side, liq_usd=Decimal(3_000_000),
        volume=Decimal(900), avg_volume=Decimal(300), volume_mult=3.0, spread_bps=0.01,
        impulse_move_pct=0.8, extreme_price=b, bid=bid or b, ask=ask or a, exhaustion_candles=2,
    )


def opened(approved: EntryApproved, ts: int) -> PositionOpened:
    return PositionOpened(setup_id=approved.setup_id, symbol=approved.symbol, side=approved.side,
                          qty=approved.qty, entry_price=approved.entry_price, stop_price=approved.stop_price,
                          take_profit_price=approved.take_profit_price, opened_ts=ts,
                          time_stop_ts=ts + 150_000)


def closed(approved: EntryApproved | PositionOpened, pnl: str, ts: int,
           reason: ExitReason = ExitReason.SL) -> PositionClosed:
    return PositionClosed(
        setup_id=approved.setup_id, symbol=approved.symbol, side=approved.side, reason=reason,
        qty=approved.qty, entry_price=approved.entry_price, exit_price=approved.stop_price,
        pnl_usdt=Decimal(pnl), pnl_pct=Decimal(0), fees_usdt=Decimal("0.3"), slippage_bps=Decimal(0),
        opened_ts=ts - 60_000, closed_ts=ts, duration_ms=60_000,
    )


def entry_order(approved: EntryApproved, order_type: OrderType = "LIMIT", n: int = 1) -> OrderSubmitted:
    return OrderSubmitted(client_order_id=f"e{n}-{approved.setup_id}"[:36], setup_id=approved.setup_id,
                          symbol=approved.symbol, side=entry_side(approved.side),
                          order_type=order_type,
                          purpose="ENTRY", qty=approved.qty, price=approved.entry_price)


def canceled(order: OrderSubmitted, filled: str = "0") -> OrderCanceled:
    return OrderCanceled(client_order_id=order.client_order_id, setup_id=order.setup_id, symbol=order.symbol,
                         filled_qty=Decimal(filled), reason="entry timeout")


def rejected(order: OrderSubmitted) -> OrderRejected:
    return OrderRejected(client_order_id=order.client_order_id, setup_id=order.setup_id, symbol=order.symbol,
                         code=-2019, msg="Margin is insufficient.")


def filled(order: OrderSubmitted, qty: Decimal) -> OrderFilled:
    return OrderFilled(client_order_id=order.client_order_id, setup_id=order.setup_id, symbol=order.symbol,
                       side=order.side, purpose="ENTRY", fill_qty=qty, fill_price=order.price or Decimal(1),
                       cum_qty=qty, avg_price=order.price or Decimal(1), fee_usdt=Decimal("0.1"),
                       maker=True, final=True)


def account(equity: str) -> AccountUpdated:
    return AccountUpdated(equity=Decimal(equity), wallet_balance=Decimal(equity), available=Decimal(equity))


@dataclass
class Harness:
    """The governor core, its state, and everything it emitted, driven in virtual time."""

    core: GovernorCore
    state: GovState
    now: int = 0
    outputs: list[Envelope] = field(default_factory=list)
    last_timer: int = -1
    seq: int = 0

    @classmethod
    def start(cls, cfg: BotConfig | None = None, booted: bool = True, at: int = T0) -> Harness:
        core = GovernorCore(cfg or config())
        harness = cls(core, core.initial_state(), now=at)
        if booted:
            harness.send(boot(), at)
        return harness

    def advance(self, to: int) -> list[Envelope]:
        """Fire every timer due up to `to`, in order, as the replay driver does."""
        start = len(self.outputs)
        self.now = max(self.now, to)
        while True:
            deadline = self.core.next_deadline(self.state)
            if deadline is None:
                break
            at = max(deadline, self.last_timer + 1)
            if at > self.now:
                break
            decision = self.core.on_timer(self.state, at)
            self.state, self.last_timer = decision.state, at
            cause = timer_cause("governor", at)
            self.outputs += envelopes(decision.emits, source="governor", cause_id=cause, now=at)
        return self.outputs[start:]

    def send(self, payload: Payload, at: int | None = None, signal_ts: int | None = None) -> list[Payload]:
        """Deliver one event at `at` (default: now); return the payloads it caused (timers excluded)."""
        when = self.now if at is None else at
        self.advance(when)
        self.seq += 1
        event = envelope(payload, when if signal_ts is None else signal_ts, n=self.seq)
        decision = self.core.decide(self.state, event, self.now)
        self.state = decision.state
        out = envelopes(decision.emits, source="governor", cause_id=event.id, now=self.now,
                        cause_correlation=event.correlation_id)
        self.outputs += out
        return [e.payload for e in out]

    def approve(self, signal: SetupConfirmed, at: int | None = None) -> EntryApproved:
        out = self.send(signal, at)
        approvals = of(out, EntryApproved)
        assert approvals, f"expected an approval, got {of(out, SignalVetoed)}"
        return approvals[0]

    def trade(self, signal: SetupConfirmed, pnl: str, at: int, hold_ms: int = 60_000) -> list[Payload]:
        """Approve, open and close one trade; return what the close caused."""
        approved = self.approve(signal, at)
        self.send(opened(approved, at + 1_000), at + 1_000)
        return self.send(closed(approved, pnl, at + hold_ms), at + hold_ms)


def of(payloads: Sequence[Payload] | Sequence[Envelope], kind: type[P]) -> list[P]:
    items = [p.payload if isinstance(p, Envelope) else p for p in payloads]
    return [p for p in items if isinstance(p, kind)]


def transitions(payloads: Sequence[Payload] | Sequence[Envelope]) -> list[tuple[str, str]]:
    return [(t.from_state.value, t.to_state.value) for t in of(payloads, BotStateChanged)]
