"""Property: over random signals, fills, losses, commands and clock jumps the governor never lets through
two positions, an entry while not RUNNING, more than max_trades_per_day entries in a day, or a trade whose
worst-case loss (qty * entry * sl_pct) exceeds risk_per_trade_pct of equity.

A small model executor answers the governor's intents the way DESIGN §6 describes. Timers are fired the
way the live runner fires them (once, at the current time), so multi-day jumps stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from governor.core import GovernorCore
from governor.state import GovState
from runtime.core import Decision
from schemas.commands import DailyCountersResetRequested, FlattenRequested, PauseRequested, ResumeRequested
from schemas.config import BotConfig
from schemas.envelope import Payload
from schemas.feed import FeedRecovered, FeedStale
from schemas.orders import OrderCanceled, OrderRejected
from schemas.risk import BotStateChanged, DailyCountersReset, EntryApproved, SignalVetoed
from schemas.types import BotStatus
from tests.governor.factories import T0, account, boot, closed, config, envelope, opened, setup

BOOK = {"BTCUSDT": (Decimal("20000"), Decimal("150000"), Decimal("0.1")),
        "ETHUSDT": (Decimal("1000"), Decimal("6000"), Decimal("0.01"))}

configs = st.builds(
    lambda lev, trades, streak, tz, use_market: config(
        leverage=lev, day_boundary_tz=tz,
        risk={"max_trades_per_day": trades, "max_consecutive_losses": streak},
        execution={"use_market_if_not_filled": use_market}),
    st.integers(1, 3), st.integers(1, 10), st.integers(1, 5), st.sampled_from(["Africa/Johannesburg", "UTC"]),
    st.booleans(),
)
signal_op = st.tuples(st.just("signal"), st.sampled_from(["BTCUSDT", "ETHUSDT"]),
                      st.sampled_from(["LONG", "SHORT"]), st.floats(0, 1), st.integers(1, 30))
open_op = st.tuples(st.just("open"))
close_op = st.tuples(st.just("close"), st.decimals(-30, 20, places=2))
trade_op = st.tuples(st.just("trade"), st.decimals(-30, 20, places=2))  # open then close the pending entry
wait_op = st.tuples(st.just("wait"), st.integers(1, 15 * 60_000))
ops = st.one_of(  # one_of picks branches evenly: repeats weight the common events
    signal_op, signal_op, signal_op, signal_op, signal_op, open_op, close_op, trade_op, trade_op, wait_op, wait_op,
    st.tuples(st.just("cancel")),
    st.tuples(st.just("command"), st.sampled_from(["pause", "resume", "resume", "flatten", "reset"])),
    st.tuples(st.just("jump"), st.integers(3_600_000, 3 * 86_400_000)),
    st.tuples(st.just("equity"), st.decimals(50, 50_000, places=2)),
    st.tuples(st.just("feed"), st.sampled_from([True, False, False])),
)


@dataclass
class World:
    cfg: BotConfig
    core: GovernorCore
    state: GovState
    now: int = T0
    seq: int = 0
    status: BotStatus = BotStatus.BOOTING
    pending: list[EntryApproved] = field(default_factory=list)  # the model executor's view
    open: list[EntryApproved] = field(default_factory=list)
    entries_this_day: int = 0
    seen: list[Payload] = field(default_factory=list)

    def apply(self, decision: Decision[GovState]) -> None:
        self.state = decision.state
        assert self.core.restore(self.core.snapshot(self.state)) == self.state
        for emit in decision.emits:
            self.observe(emit.payload)

    def observe(self, payload: Payload) -> None:
        self.seen.append(payload)
        if isinstance(payload, BotStateChanged):
            assert payload.from_state == self.status
            self.status = payload.to_state
        elif isinstance(payload, DailyCountersReset):
            self.entries_this_day = 0
        elif isinstance(payload, EntryApproved):
            assert self.status == BotStatus.RUNNING, "entry approved while not RUNNING"
            assert not self.pending and not self.open, "a second position"
            self.entries_this_day += 1
            assert self.entries_this_day <= self.cfg.risk.max_trades_per_day
            worst = payload.qty * payload.entry_price * payload.sl_pct
            assert worst <= payload.equity * self.cfg.risk.risk_per_trade_pct
            assert payload.qty * payload.entry_price / payload.leverage <= (
                payload.equity * self.cfg.risk.max_margin_per_trade_pct)
            self.pending.append(payload)

    def send(self, payload: Payload) -> None:
        deadline = self.core.next_deadline(self.state)
        if deadline is not None and deadline <= self.now:
            self.apply(self.core.on_timer(self.state, self.now))
        self.seq += 1
        self.apply(self.core.decide(self.state, envelope(payload, self.now, n=self.seq), self.now))

    def step(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        self.now += 1_000
        if kind == "signal":
            low, high, tick = BOOK[op[1]]
            bid = (low + (high - low) * Decimal(str(op[3]))).quantize(tick)
            self.send(setup(op[1], op[2], ts=self.now, bid=bid, ask=bid + tick * op[4]))
        elif kind == "open" and self.pending:
            entry = self.pending.pop(0)
            self.open.append(entry)
            self.send(opened(entry, self.now))
        elif kind == "close" and self.open:
            self.send(closed(self.open.pop(0), str(op[1]), self.now))
        elif kind == "trade" and self.pending:
            entry = self.pending.pop(0)
            self.send(opened(entry, self.now))
            self.now += 90_000
            self.send(closed(entry, str(op[1]), self.now))
        elif kind == "cancel" and self.pending:
            # the LIMIT timed out unfilled; when a MARKET fallback is configured, it is then rejected
            entry = self.pending.pop(0)
            self.send(OrderCanceled(client_order_id=f"l-{self.seq}", setup_id=entry.setup_id,
                                    symbol=entry.symbol, filled_qty=Decimal(0)))
            if entry.use_market_if_not_filled:
                self.send(OrderRejected(client_order_id=f"m-{self.seq}", setup_id=entry.setup_id,
                                        symbol=entry.symbol, code=-2019, msg="Margin is insufficient."))
            assert entry.setup_id not in self.state.entries
        elif kind == "command":
            self.command(op[1])
        elif kind in ("wait", "jump"):
            self.now += op[1]
        elif kind == "equity":
            self.send(account(str(op[1])))
        elif kind == "feed":
            stale = FeedStale(symbol="BTCUSDT", kind="book", silent_ms=11_000)
            self.send(stale if op[1] else FeedRecovered(symbol="BTCUSDT", kind="book", silent_ms=0))

    def command(self, name: str) -> None:
        key, actor = f"k{self.seq}", "ops"
        if name == "pause":
            self.send(PauseRequested(idempotency_key=key, actor=actor))
        elif name == "resume":
            self.send(ResumeRequested(idempotency_key=key, actor=actor))
        elif name == "reset":
            self.send(DailyCountersResetRequested(idempotency_key=key, actor=actor))
        else:
            self.send(FlattenRequested(idempotency_key=key, actor=actor))
            for entry in self.open:  # the model executor closes everything at market
                self.send(closed(entry, "-1", self.now))
            self.open.clear()
            for entry in self.pending:
                self.send(OrderCanceled(client_order_id=f"f-{entry.setup_id}"[:36], setup_id=entry.setup_id,
                                        symbol=entry.symbol, filled_qty=Decimal(0), reason="flatten"))
            self.pending.clear()
            assert not self.state.entries


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs, steps=st.lists(ops, min_size=10, max_size=120))
def test_governor_when_driven_randomly_never_breaks_a_hard_limit(cfg: BotConfig, steps: list[tuple[Any, ...]]) -> None:
    core = GovernorCore(cfg)
    world = World(cfg, core, core.initial_state())
    world.send(boot())
    for op in steps:
        world.step(op)
        assert len(world.open) + len(world.pending) <= 1
        assert len(world.state.entries) <= 1
    assert world.status == world.state.status
    approvals = sum(isinstance(e, EntryApproved) for e in world.seen)
    event(f"approvals: {min(approvals, 5)}{'+' if approvals >= 5 else ''}")
    event(f"final status: {world.status.value}")
    for reason in sorted({e.reason.value for e in world.seen if isinstance(e, SignalVetoed)}):
        event(f"vetoed: {reason}")
