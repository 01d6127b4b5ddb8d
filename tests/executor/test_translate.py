"""User-data events → venue reports, under every event order Binance may send (reference §3.5). Events are the
fixtures of tests/fixtures/binance with the fields of one triggered stop filled in."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from executor.translate import HOLD_MS, Translator
from schemas.account import BalanceReported, FundingCharged
from schemas.orders import ExternalFill, OrderCanceled, OrderFilled, OrderPurpose, OrderRejected

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "binance"
OURS = {"lf-0011223344556677-sl": ("setup-1", "STOP_LOSS"), "lf-0011223344556677-tp": ("setup-1", "TAKE_PROFIT")}
SL = "lf-0011223344556677-sl"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def meta(cid: str) -> tuple[str | None, OrderPurpose] | None:
    found = OURS.get(cid)
    return None if found is None else (found[0], found[1])  # type: ignore[return-value]


def engine_fill(client_id: str, order_id: int = 88937381063, trade_id: int = 4001, fee: str = "0.497700",
                fee_asset: str = "USDT") -> dict[str, Any]:
    event = fixture("order_trade_update")
    event["o"].update({"s": "BTCUSDT", "c": client_id, "S": "SELL", "o": "MARKET", "ot": "STOP_MARKET", "q": "0.010",
                       "p": "0", "ap": "99540.0", "sp": "99550.0", "x": "TRADE", "X": "FILLED", "i": order_id,
                       "l": "0.010", "z": "0.010", "L": "99540.0", "N": fee_asset, "n": fee, "t": trade_id,
                       "rp": "-4.60000000", "ps": "BOTH", "R": True, "cp": True})
    return event


def algo(status: str, engine_id: str = "", executed: str = "0", avg: str = "0", reason: str = "") -> dict[str, Any]:
    event = fixture("algo_update")
    event["o"].update({"caid": SL, "aid": 2000001, "o": "STOP_MARKET", "s": "BTCUSDT", "S": "SELL", "q": "0",
                       "X": status, "ai": engine_id, "ap": avg, "aq": executed, "act": "MARKET" if engine_id else "0",
                       "tp": "99550.0", "p": "0", "cp": True, "rm": reason})
    return event


ORDERS = {
    # TRIGGERED carries `ai` with aq 0 (nautilus_trader #3287); FINISHED the totals
    "triggered": algo("TRIGGERED", "88937381063", "0", "0"),
    "finished": algo("FINISHED", "88937381063", "0.010", "99540.0"),
}


@pytest.mark.parametrize("engine_client_id", [SL, "x-algo-2000001"])
@pytest.mark.parametrize("order", list(permutations(["fill", "triggered", "finished"])))
def test_translate_when_a_stop_triggers_in_any_order_with_any_engine_id_its_fill_is_reported_once(
        engine_client_id: str, order: tuple[str, ...]) -> None:
    t = Translator(meta)
    reports: list[Any] = []
    for step in order:
        event = engine_fill(engine_client_id) if step == "fill" else copy.deepcopy(ORDERS[step])
        reports += t.reports(event, now=0)
    fills = [r for r in reports if isinstance(r, OrderFilled)]
    assert [(f.client_order_id, f.purpose, f.fill_qty, f.fill_price, f.final, f.trade_id, f.realized_pnl)
            for f in fills] == [(SL, "STOP_LOSS", D("0.010"), D("99540.0"), True, 4001, D("-4.6"))]
    assert not t.held and not t.followups


def test_translate_when_the_engine_order_is_named_by_nobody_it_is_held_then_resolved_by_query() -> None:
    t = Translator(meta)
    assert t.reports(engine_fill("x-algo-2000001"), now=1_000) == []
    assert t.due(1_000 + HOLD_MS - 1) == [] and t.due(1_000 + HOLD_MS) == [("88937381063", "BTCUSDT")]
    [report] = t.resolve("88937381063", SL)
    assert isinstance(report, OrderFilled) and report.client_order_id == SL and report.purpose == "STOP_LOSS"


def test_translate_when_a_held_order_is_nobody_s_it_is_a_foreign_fill() -> None:
    t = Translator(meta)
    t.reports(engine_fill("web_abc", order_id=5), now=0)
    [report] = t.resolve("5", None)
    assert isinstance(report, ExternalFill) and report.kind == "EXTERNAL" and report.qty == D("0.010")
    again = t.reports(engine_fill("web_abc", order_id=5, trade_id=4002), now=10)  # known foreign: no hold
    assert [type(r) for r in again] == [ExternalFill]


def test_translate_when_finished_reports_more_than_the_fills_seen_a_follow_up_reads_the_rest() -> None:
    t = Translator(meta)
    t.reports(algo("TRIGGERED", "88937381063"), now=0)
    assert t.reports(algo("FINISHED", "88937381063", "0.010", "99540.0"), now=1) == []
    [follow] = t.followups
    assert (follow.client_order_id, follow.engine_order_id, follow.executed, follow.side) == (
        SL, "88937381063", D("0.010"), "SELL")


def test_translate_when_a_stop_is_refused_at_trigger_time_it_is_rejected_with_the_reason() -> None:
    [report] = Translator(meta).reports(algo("REJECTED", reason="Reduce Only reject"))
    assert isinstance(report, OrderRejected) and report.msg == "Reduce Only reject"
    [expired] = Translator(meta).reports(algo("EXPIRED"))
    assert isinstance(expired, OrderCanceled) and expired.reason == "EXPIRED"


@pytest.mark.parametrize(("client_id", "order_type", "exec_type", "kind"), [
    ("autoclose-1761134400000", "LIQUIDATION", "CALCULATED", "LIQUIDATION"),
    ("adl_autoclose", "LIQUIDATION", "TRADE", "ADL"),
])
def test_translate_when_the_exchange_closes_the_position_it_is_an_external_fill(
        client_id: str, order_type: str, exec_type: str, kind: str) -> None:
    event = engine_fill(client_id, order_id=9)
    event["o"].update({"o": order_type, "ot": order_type, "x": exec_type})
    [report] = Translator(meta).reports(event)
    assert isinstance(report, ExternalFill) and (report.kind, report.client_order_id) == (kind, client_id)


def test_translate_when_commission_is_in_bnb_it_is_valued_in_usdt_at_the_fill() -> None:
    t = Translator(meta, lambda asset, amount, _notional: amount * D(600) if asset == "BNB" else amount)
    [report] = t.reports(engine_fill(SL, fee="0.00075", fee_asset="BNB"))
    assert isinstance(report, OrderFilled)
    assert (report.fee, report.fee_asset, report.fee_usdt) == (D("0.00075"), "BNB", D("0.45"))


def test_translate_when_funding_is_charged_reports_it_and_the_new_balance() -> None:
    event = fixture("account_update")
    event["a"] = {"m": "FUNDING_FEE", "B": [{"a": "USDT", "wb": "999.9", "cw": "999.9", "bc": "-0.1"}],
                  "P": [{"s": "BTCUSDT", "pa": "0.010", "ep": "100000", "bep": "100000", "cr": "0", "up": "1.5",
                         "mt": "isolated", "iw": "500", "ps": "BOTH"}]}
    funding, balance = Translator(meta).reports(event)
    assert isinstance(funding, FundingCharged) and (funding.symbol, funding.amount_usdt) == ("BTCUSDT", D("-0.1"))
    assert isinstance(balance, BalanceReported)
    assert (balance.wallet_usdt, balance.unrealized_usdt, balance.reason) == (D("999.9"), {"BTCUSDT": D("1.5")},
                                                                              "FUNDING_FEE")


def test_translate_when_another_symbol_trades_on_the_account_nothing_is_ours() -> None:
    event = engine_fill("web_abc", order_id=11)
    event["o"]["s"] = "XRPUSDT"
    t = Translator(meta)
    assert t.reports(event) == [] and not t.held
