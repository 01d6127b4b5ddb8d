"""A real account, in TRADING_MODE=live against the simulator playing what Binance documents or others observed
(exchange/settings.py, simulator/admin.py): every order in which a triggered stop's events may come and
either engine-order client id, a stop refused at trigger time or cancelled at the exchange, a liquidation,
restarts after the position was closed by hand or resized or with the executor's snapshot gone, a foreign
position at boot, commissions in BNB with a funding payment, hedge mode and a read-only key at boot.

Each drill ends with every invariant of tests/e2e/invariants.py, the exchange's own record included: every
exchange fill in `trades` exactly once, no open trade without a position at the exchange, no position
without a stop for more than 1 s, nothing left working. Each must end within 4 minutes, its start-up
included (the slowest took 215 s with another test run on the same 2 cores). `pytest -m real_account` runs
them all (slow).
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest

from schemas.streams import STATE_KEY_PREFIX
from simulator.config import DEFAULT_API_KEY
from tests.e2e.conftest import LiveFactory
from tests.e2e.harness import WORKERS, Harness
from tests.e2e.invariants import assert_all_hold
from tests.e2e.test_scenarios import ENTRY_WAIT, EXIT_WAIT
from tests.simulator.helpers import HEADERS, signed_query

pytestmark = [pytest.mark.slow, pytest.mark.real_account]
TRIGGER_ORDERS = ("triggered_first", "fill_first", "finished_first")
ENGINE_IDS = ("ours", "own")


def rest(h: Harness, path: str, params: dict[str, Any] | None = None, method: str = "GET") -> Any:
    """A signed call on the simulator with the bot's own key: what a person does in Binance's app."""
    request = urllib.request.Request(f"{h.sim_url}{path}?{signed_query(params or {})}", headers=HEADERS,
                                     method=method)
    with urllib.request.urlopen(request, timeout=5) as resp:
        return orjson.loads(resp.read())


def position(h: Harness) -> Decimal:
    return sum((Decimal(p["positionAmt"]) for p in rest(h, "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})),
               Decimal(0))


def trade(h: Harness, reason: str, wait: float = EXIT_WAIT) -> dict[str, Any]:
    [row] = h.wait_trades(1, wait)
    assert row["reason"] == reason, row
    return row


def incidents(h: Harness) -> list[tuple[str, bool]]:
    return [(e["payload"]["kind"], e["payload"]["halts"]) for e in h.stream_events("executions", "IncidentReported")]


# --- a triggered stop or take profit, however Binance tells it -------------------------------------------
@pytest.mark.timeout(240)
@pytest.mark.parametrize("engine_id", ENGINE_IDS)
@pytest.mark.parametrize("order", TRIGGER_ORDERS)
@pytest.mark.parametrize(("scenario", "reason"), [("e2e_tp", "TP"), ("e2e_sl", "SL")])
def test_exit_when_triggered_in_any_event_order_with_any_engine_id_the_trade_is_booked_once(
        live: LiveFactory, scenario: str, reason: str, order: str, engine_id: str) -> None:
    h, recorder = live(scenario, simulator_args=("--trigger-order", order, "--engine-client-id", engine_id))
    opened = h.wait_event("executions", "PositionOpened", ENTRY_WAIT)["payload"]
    row = trade(h, reason)
    assert Decimal(str(row["qty"])) == Decimal(opened["qty"])
    assert not [k for k, halts in incidents(h) if halts], incidents(h)
    assert_all_hold(h, recorder)


# --- a stop the exchange ends without closing the position -----------------------------------------------
@pytest.mark.timeout(240)
def test_stop_when_refused_at_trigger_time_the_position_is_closed_at_market_and_the_bot_halts(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_refused")
    row = trade(h, "INCIDENT", ENTRY_WAIT + EXIT_WAIT)
    assert ("NAKED_POSITION", True) in incidents(h)
    naked = [e for e in h.stream_events("executions", "IncidentReported") if e["payload"]["kind"] == "NAKED_POSITION"]
    assert "Reduce Only reject" in naked[0]["payload"]["detail"], naked
    assert float(row["pnl_usdt"]) < 0
    assert_all_hold(h, recorder, status="ERROR")


@pytest.mark.timeout(240)
def test_stop_when_cancelled_at_the_exchange_it_is_replaced_and_the_trade_goes_on(live: LiveFactory) -> None:
    h, recorder = live("e2e_tp")
    placed = h.wait_event("executions", "ProtectionPlaced", ENTRY_WAIT,
                          lambda e: e["payload"]["kind"] == "STOP_LOSS")["payload"]
    rest(h, "/fapi/v1/algoOrder", {"clientAlgoId": placed["client_order_id"], "symbol": "BTCUSDT"}, "DELETE")
    h.wait_event("executions", "IncidentReported", 20, lambda e: e["payload"]["kind"] == "STOP_REPLACED")
    h.wait_event("executions", "ProtectionPlaced", 20, lambda e: e["payload"]["kind"] == "STOP_LOSS"
                 and e["payload"]["client_order_id"] != placed["client_order_id"])
    trade(h, "TP")
    assert incidents(h) == [("STOP_REPLACED", False)]
    assert_all_hold(h, recorder)


# --- the exchange closes the position ----------------------------------------------------------------------
@pytest.mark.timeout(240)
def test_liquidation_when_the_exchange_closes_the_long_the_trade_ends_liquidation_at_its_price(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_liquidation")
    row = trade(h, "LIQUIDATION", ENTRY_WAIT + EXIT_WAIT)
    [liq] = [f for f in recorder.fills() if f["cid"].startswith("autoclose-")]
    assert Decimal(str(row["exit"])) == liq["price"]
    assert ("CLOSED_BY_LIQUIDATION", True) in incidents(h)
    assert_all_hold(h, recorder, status="ERROR")


# --- restarts ------------------------------------------------------------------------------------------------
def restart_executor_after(h: Harness, act: Callable[[], object]) -> None:
    h.wait_event("executions", "ProtectionPlaced", ENTRY_WAIT)
    h.wait_for(lambda: len(h.stream_events("executions", "ProtectionPlaced")) >= 2, 20, "stop and take profit")
    h._expected_down = frozenset({"executor"})
    h.kill("executor")
    act()
    h.start_process("executor")
    h._expected_down = frozenset()


@pytest.mark.timeout(240)
def test_restart_when_the_position_was_closed_by_hand_meanwhile_the_trade_settles_from_the_exchange(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_flat")

    def close_by_hand() -> None:
        rest(h, "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET",
                                   "quantity": f"{position(h):f}", "reduceOnly": "true",
                                   "newClientOrderId": "web_manual_close"}, "POST")
        assert position(h) == 0

    restart_executor_after(h, close_by_hand)
    row = trade(h, "EXTERNAL", 60)
    [manual] = [f for f in recorder.fills() if f["cid"] == "web_manual_close"]
    assert Decimal(str(row["exit"])) == manual["price"]
    assert_all_hold(h, recorder)


@pytest.mark.timeout(240)
def test_restart_when_part_of_the_position_was_closed_the_trade_shrinks_and_ends_normally(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_tp")
    held: list[Decimal] = []

    def close_part() -> None:
        held.append(position(h))
        part = (held[0] / 3).quantize(Decimal("0.001"))
        rest(h, "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": f"{part:f}",
                                   "reduceOnly": "true", "newClientOrderId": "web_partial"}, "POST")

    restart_executor_after(h, close_part)
    row = trade(h, "TP")
    assert Decimal(str(row["qty"])) == held[0]  # a third by hand, the rest by the take profit
    assert ("CLOSED_BY_EXTERNAL", False) in incidents(h)
    assert_all_hold(h, recorder)


@pytest.mark.timeout(240)
def test_restart_when_the_executor_snapshot_is_gone_the_trade_is_rebuilt_and_ends_normally(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_tp")
    restart_executor_after(h, lambda: h.redis.delete(f"{STATE_KEY_PREFIX}executor"))
    h.wait_event("executions", "TradeAdopted", 60)
    row = trade(h, "TP")
    assert row["setup_id"].startswith("BTCUSDT-LONG-")
    assert ("TRADE_ADOPTED", False) in incidents(h)
    assert_all_hold(h, recorder)


# --- boot on an account the bot must not trade ---------------------------------------------------------------
def boot_error(h: Harness, check: str) -> str:
    h.wait_for(lambda: h.bot_state()["status"] == "ERROR", 90, "status ERROR")
    cause: str = h.bot_state()["status_cause"]
    assert f"{check}:" in cause, cause
    assert h.alive()["executor"], "the executor must stay up (an always-restart policy would loop)"
    return cause


@pytest.mark.timeout(240)
def test_boot_when_a_foreign_position_is_held_the_bot_stays_up_in_error_naming_it(live: LiveFactory) -> None:
    h, _ = live("e2e_tp", workers=tuple(w for w in WORKERS if w != "executor"))
    h.wait_for(lambda: "BTCUSDT" in h.sim_state()["books"], 30, "a book at the simulator")
    rest(h, "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.003",
                               "newClientOrderId": "web_someone"}, "POST")
    h.start_process("executor")
    cause = boot_error(h, "reconcile")
    assert "position BTCUSDT 0.003" in cause and "on_foreign_position" in cause
    assert position(h) == Decimal("0.003")  # untouched: an operator decides
    time.sleep(5)
    assert not h.stream_events("executions", "OrderSubmitted")


@pytest.mark.timeout(240)
def test_boot_when_the_account_is_in_hedge_mode_the_bot_stays_in_error_saying_how_to_fix_it(
        live: LiveFactory) -> None:
    h, _ = live("e2e_hedge")
    cause = boot_error(h, "position_mode")
    assert "One-way" in cause


@pytest.mark.timeout(240)
def test_boot_when_the_key_cannot_trade_the_bot_stays_in_error_saying_how_to_fix_it(live: LiveFactory) -> None:
    h, _ = live("e2e_read_only")
    cause = boot_error(h, "permissions")
    assert "-2015" in cause and "never enable withdrawals" in cause
    assert DEFAULT_API_KEY not in cause


# --- money as the exchange books it ---------------------------------------------------------------------------
@pytest.mark.timeout(240)
def test_money_when_fees_are_paid_in_bnb_and_funding_is_charged_the_books_equal_the_exchange(
        live: LiveFactory) -> None:
    h, recorder = live("e2e_bnb_funding")
    row = trade(h, "TP", ENTRY_WAIT + EXIT_WAIT)
    closed = h.wait_event("executions", "PositionClosed", 10)["payload"]
    fills = [o for o in recorder.order_updates() if o["x"] == "TRADE" and o["c"].startswith("lf-")]
    assert {o["N"] for o in fills} == {"BNB"}
    realized = sum((Decimal(o["rp"]) for o in fills), Decimal(0))
    fees_usdt = sum((Decimal(o["n"]) * Decimal(600) for o in fills), Decimal(0))
    funding = Decimal(closed["funding_usdt"])
    assert funding != 0, "the funding payment fell outside the trade"
    assert Decimal(closed["pnl_usdt"]) == (realized - fees_usdt + funding).quantize(Decimal("0.00000001"))
    assert Decimal(str(row["pnl_usdt"])) == Decimal(closed["pnl_usdt"])
    h.wait_for(lambda: not h.bot_state()["open_positions"], 30, "no open position")
    time.sleep(2)  # the last ACCOUNT_UPDATE's equity report
    account = h.sim_state()["account"]
    exchange = Decimal(account["wallet"]["USDT"]) + Decimal(account["unrealized"]) - Decimal(
        account["bnb_fees"]["USDT"])
    equity = Decimal(h.stream_events("executions", "AccountUpdated")[-1]["payload"]["equity"])
    assert abs(equity - exchange) < Decimal("0.01"), (equity, exchange, account)
    assert_all_hold(h, recorder)
