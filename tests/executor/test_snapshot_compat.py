"""Snapshots written by earlier code (tests/executor/fixtures/README.md) restore with today's core and trade on."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from exchange.account import Account
from executor.core import make_core
from schemas.config import BotConfig
from schemas.positions import PositionClosed
from tests.executor.events import T0, book
from tests.executor.live_core import LiveCore

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_paper_snapshot_when_written_before_the_exchange_package_restores_and_its_stop_orders_still_work() -> None:
    core = make_core(BotConfig())
    state = core.restore((FIXTURES / "snapshot_paper_66d0c64.json").read_bytes())
    acct = state.paper
    assert isinstance(acct, Account)
    assert acct.positions["BTCUSDT"].amt == Decimal("0.010")
    assert sorted(a.type for a in acct.algos.values() if a.status == "NEW") == ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
    assert [(o.symbol, o.type) for o in acct.orders.values() if o.is_open] == [("ETHUSDT", "LIMIT")]
    assert state.trades["setup-1"].stage == "OPEN" and state.trades["setup-2"].stage == "ENTERING"
    assert state.config == BotConfig()  # written before the config lived in the state: the one started with
    assert core.restore(core.snapshot(state)) == state  # and what it writes now restores the same

    out = core.decide(state, book(T0 + 5_000, "100360.0", "100360.1"), T0 + 5_000)  # above the take profit
    closed = [e.payload for e in out.emits if isinstance(e.payload, PositionClosed)]
    assert [(c.setup_id, c.reason) for c in closed] == [("setup-1", "TP")]


def test_live_snapshot_when_written_before_the_venue_plug_in_restores_with_its_open_trade() -> None:
    live = LiveCore(booted=False)
    state = live.core.restore((FIXTURES / "snapshot_live_66d0c64.json").read_bytes())
    assert state.paper is None and state.booted and state.stream_up
    trade = state.trades["setup-1"]
    assert trade.stage == "OPEN" and trade.position == Decimal("0.010") and trade.stop_ok
    assert state.config == BotConfig()
    assert live.core.restore(live.core.snapshot(state)) == state
