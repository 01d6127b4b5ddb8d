"""The exchange-record invariants on hand-made user-data events (no processes: fast, not slow)."""

from __future__ import annotations

from typing import Any

from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.invariants import exchange_clean, exchange_flat, stops_held


def account(ts: int, amt: str) -> dict[str, Any]:
    return {"e": "ACCOUNT_UPDATE", "E": ts, "a": {"P": [{"s": "BTCUSDT", "pa": amt}]}}


def algo(ts: int, cid: str, status: str, type_: str = "STOP_MARKET", side: str = "SELL") -> dict[str, Any]:
    return {"e": "ALGO_UPDATE", "E": ts, "o": {"caid": cid, "o": type_, "s": "BTCUSDT", "S": side, "X": status}}


def recorder(*events: dict[str, Any]) -> ExchangeRecorder:
    return ExchangeRecorder("http://unused", events=list(events))


def test_stops_held_when_the_stop_follows_the_fill_within_1s_holds() -> None:
    rec = recorder(account(1000, "0.005"), algo(1400, "sl", "NEW"), algo(60_000, "sl", "TRIGGERING"),
                   account(60_001, "0"), algo(60_002, "sl", "FINISHED"))
    assert stops_held(rec) == []
    assert exchange_flat(rec) == []


def test_stops_held_when_the_stop_comes_late_or_never_reports_it() -> None:
    late = recorder(account(1000, "0.005"), algo(2500, "sl", "NEW"))
    assert len(stops_held(late)) == 1
    wrong_side = recorder(account(1000, "0.005"), algo(1100, "sl", "NEW", side="BUY"))
    assert "the rest of the session" in stops_held(wrong_side)[0]
    take_profit_only = recorder(account(1000, "0.005"), algo(1100, "tp", "NEW", type_="TAKE_PROFIT_MARKET"))
    assert len(stops_held(take_profit_only)) == 1


def test_stops_held_when_the_stop_is_cancelled_with_the_position_open_reports_it() -> None:
    rec = recorder(account(1000, "0.005"), algo(1100, "sl", "NEW"), algo(5000, "sl", "CANCELED"),
                   account(9000, "0"))
    assert len(stops_held(rec)) == 1


def test_exchange_flat_and_clean_when_a_stop_is_left_or_sent_twice_report_it() -> None:
    rec = recorder(account(1000, "0.005"), algo(1100, "sl", "NEW"), account(5000, "0"), algo(5100, "sl", "NEW"))
    assert exchange_flat(rec) == ["algo order sl left NEW at the exchange"]
    assert exchange_clean(rec) == ["client order id accepted twice at the exchange: sl"]
