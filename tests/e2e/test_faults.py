"""Fault drills in TRADING_MODE=live: the executor trades against the simulator, which misbehaves the way
Binance does (simulator/faults.py, simulator/admin.py): dropped WebSockets, a silent feed, 503 with an
unknown outcome on the entry (placed or not), -1008, 429 escalating to a 418 ban, listenKeyExpired.

Scenarios: simulator/scenarios/e2e_fault_*.json (tests/e2e/make_scenarios.py): the TP trade of
test_scenarios.py (entry at scenario second 1320, take-profit ~40 s later) with the fault at a scenario
second in its `faults` list; the listen-key drill expires the executor's key through /_sim/fault (only the
executor's: the exchange recorder keeps its own). Every drill ends with every invariant, including the
exchange's own record (ExchangeRecorder): no client id twice, no position without a stop > 1 s, every
fill exactly once in `trades`, nothing left working at the exchange.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LiveFactory
from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.harness import Harness
from tests.e2e.invariants import assert_all_hold, exchange_flat
from tests.e2e.make_scenarios import ENTRY_S
from tests.e2e.test_scenarios import one_trade


def trade_with_fault(live: LiveFactory, scenario: str) -> tuple[Harness, ExchangeRecorder, dict[str, Any]]:
    h, recorder = live(scenario)
    trade = one_trade(h, "TP")
    h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position in /api/state")
    assert not h.sim_state()["rest_faults"]["pending"], "the fault was never hit"
    return h, recorder, trade


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_fault_when_websockets_drop_on_every_route_the_live_trade_completes(live: LiveFactory) -> None:
    h, recorder, _trade = trade_with_fault(live, "e2e_fault_ws_drop")
    assert recorder.gaps, "the private route drop did not reach the recorder either"
    assert_all_hold(h, recorder)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_fault_when_the_live_feed_goes_silent_feed_stale_is_raised_and_nothing_is_sent(live: LiveFactory) -> None:
    h, recorder = live("e2e_stale")
    h.wait_event("signals", "SetupDetected", 90)
    h.wait_event("feed", "FeedStale", 240)
    rejected = h.wait_event("signals", "SetupRejected", 60)
    assert rejected["payload"]["reason"] == "feed_stale", rejected
    h.wait_event("feed", "FeedRecovered", 120)
    assert_all_hold(h, recorder)
    assert not recorder.new_client_ids(), "an order reached the exchange"


@pytest.mark.slow
@pytest.mark.timeout(480)
@pytest.mark.parametrize("scenario", ["e2e_fault_unknown", "e2e_fault_unknown_placed", "e2e_fault_throttled"])
def test_fault_when_the_entry_order_fails_it_is_queried_or_retried_never_duplicated(
        live: LiveFactory, scenario: str) -> None:
    h, recorder, _trade = trade_with_fault(live, scenario)
    assert_all_hold(h, recorder)
    submitted = [e["payload"]["client_order_id"] for e in h.stream_events("executions", "OrderSubmitted")
                 if e["payload"]["purpose"] == "ENTRY"]
    accepted = recorder.new_client_ids()
    # the faulted order (the first entry, a LIMIT; a MARKET may follow it) reached the exchange once
    assert submitted and accepted[submitted[0]] == 1, (submitted, accepted)
    assert all(accepted[cid] <= 1 for cid in submitted), (submitted, accepted)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_fault_when_rate_limited_then_banned_the_position_stays_protected_and_the_bot_stops(
        live: LiveFactory) -> None:
    h, recorder, _trade = trade_with_fault(live, "e2e_fault_ban")
    # the take profit filled at the exchange; cancelling the stop met 429s, then the ban
    ban = h.wait_event("executions", "VenueError", 30, lambda e: e["payload"]["code"] == 418)["payload"]
    assert ban["operation"] == "cancel", ban
    # after a ban the governor stops trading (ERROR) until an operator resumes
    h.wait_for(lambda: h.bot_state()["status"] == "ERROR", 30, "status ERROR in /api/state")
    # the stop is cancelled once the ban (20 s) is over: nothing is left working at the exchange
    h.wait_for(lambda: not exchange_flat(recorder), 60, "the stop cancelled after the ban")
    assert_all_hold(h, recorder, status="ERROR")


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_fault_when_the_listen_key_expires_the_executor_renews_it_and_loses_no_fill(live: LiveFactory) -> None:
    h, recorder = live("e2e_tp")
    expired: list[str] = []
    for second in (ENTRY_S - 0.5, ENTRY_S + 20):
        h.wait_scenario_second(second)
        keys = [k["listenKey"] for k in h.sim_state()["listen_keys"]
                if not k["expired"] and k["listenKey"] != recorder.listen_key]
        for key in keys:
            h.sim_fault({"action": "listen_key_expired", "listenKey": key})
        expired += keys
    assert len(expired) == 2, f"expected the executor's key twice, expired {expired}"
    one_trade(h, "TP")
    h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position in /api/state")
    assert_all_hold(h, recorder)
