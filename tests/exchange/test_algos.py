"""Conditional orders on the pure account: how a trigger plays out, refusals at trigger time, GTE expiry,
the working type's price and priceProtect."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from exchange.account import Account
from exchange.errors import BinanceError
from exchange.records import TriggerRefusal
from exchange.settings import AccountSettings, TriggerPlay
from exchange.symbols import SYMBOLS

Event = dict[str, Any]


def long_account(settings: AccountSettings | None = None) -> Account:
    """0.010 BTC long bought at 100000.1, the book at 100000.0/100000.1."""
    acct = Account(dict(SYMBOLS), D("10000"), settings=settings or AccountSettings())
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=1)
    acct.new_order("BTCUSDT", "BUY", "MARKET", D("0.010"), None, "GTC", False, "entry-1", now=2)
    return acct


def stop(acct: Account, trigger: str, cid: str = "sl-1", working_type: str = "CONTRACT_PRICE", **kw: Any) -> int:
    algo, _ = acct.new_algo("BTCUSDT", "SELL", "STOP_MARKET", None, D(trigger), True, False, working_type, cid, 3, **kw)
    return algo.algo_id


def steps(events: list[Event]) -> list[tuple[str, str]]:
    """(event type, status): ALGO_UPDATE/ORDER_TRADE_UPDATE their ``X``, ACCOUNT_UPDATE its reason."""
    out = []
    for e in events:
        if e["e"] == "ACCOUNT_UPDATE":
            out.append((e["e"], e["a"]["m"]))
        else:
            out.append((e["e"], e["o"]["X"] if "o" in e else ""))
    return out


FILL = [
    ("ORDER_TRADE_UPDATE", "NEW"),
    ("TRADE_LITE", ""),
    ("ORDER_TRADE_UPDATE", "FILLED"),
    ("ACCOUNT_UPDATE", "ORDER"),
]
TRIGGERING, TRIGGERED, FINISHED = (("ALGO_UPDATE", x) for x in ("TRIGGERING", "TRIGGERED", "FINISHED"))
SEQUENCES = {
    "triggered_first": [TRIGGERING, TRIGGERED, *FILL, FINISHED],
    "fill_first": [TRIGGERING, *FILL, TRIGGERED, FINISHED],
    "finished_first": [TRIGGERING, *FILL, FINISHED, TRIGGERED],
}


@pytest.mark.parametrize("engine_client_id", ["ours", "own"])
@pytest.mark.parametrize("order", list(SEQUENCES))
def test_trigger_when_play_is_set_pushes_that_sequence_and_engine_id(order: str, engine_client_id: str) -> None:
    acct = long_account(AccountSettings(trigger=TriggerPlay(order, engine_client_id)))  # type: ignore[arg-type]
    algo_id = stop(acct, "99500.0")
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4)
    assert steps(events) == SEQUENCES[order]
    algo = {e["o"]["X"]: e["o"] for e in events if e["e"] == "ALGO_UPDATE"}
    engine = next(e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE")
    assert algo["TRIGGERING"]["ai"] == ""
    assert (algo["TRIGGERED"]["ai"], algo["TRIGGERED"]["ap"], algo["TRIGGERED"]["aq"]) == (str(engine["i"]), "0", "0")
    assert algo["TRIGGERED"]["act"] == "MARKET"
    assert (algo["FINISHED"]["ap"], algo["FINISHED"]["aq"]) == ("99400", "0.010")
    assert engine["ot"] == "STOP_MARKET" and engine["sp"] == "99500.00"
    if engine_client_id == "ours":
        assert engine["c"] == "sl-1"
    else:
        assert engine["c"] == f"x-algo-{algo_id}" != algo["TRIGGERED"]["caid"]


def test_trigger_when_account_is_fresh_plays_triggered_first_with_our_client_id() -> None:
    acct = long_account()
    stop(acct, "99500.0")
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4)
    assert steps(events) == SEQUENCES["triggered_first"]
    assert all(e["o"]["c"] == "sl-1" for e in events if e["e"] == "ORDER_TRADE_UPDATE")


@pytest.mark.parametrize(("outcome", "reason"), [("REJECTED", "Reduce Only reject"), ("EXPIRED", "")])
def test_trigger_when_a_refusal_is_queued_ends_algo_without_engine_order(outcome: str, reason: str) -> None:
    acct = long_account()
    acct.refusals.append(TriggerRefusal(outcome, reason, 1, "STOP_MARKET"))  # type: ignore[arg-type]
    stop(acct, "99500.0")
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4)
    assert steps(events) == [("ALGO_UPDATE", "TRIGGERING"), ("ALGO_UPDATE", outcome)]
    assert events[-1]["o"]["rm"] == reason and events[-1]["o"]["ai"] == ""
    assert acct.position("BTCUSDT").amt == D("0.010") and acct.refusals == []
    stop(acct, "99300.0", cid="sl-2")  # the refusal is used up: the next stop fills
    assert steps(acct.on_book("BTCUSDT", D("99200.0"), D("99200.1"), now=5))[-1] == ("ALGO_UPDATE", "FINISHED")


def test_trigger_when_refusal_names_another_type_fills_normally() -> None:
    acct = long_account()
    acct.refusals.append(TriggerRefusal("REJECTED", "Reduce Only reject", 1, "TAKE_PROFIT_MARKET"))
    stop(acct, "99500.0")
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4)
    assert steps(events) == SEQUENCES["triggered_first"] and len(acct.refusals) == 1


def test_close_position_orders_when_fill_flattens_expire_after_the_fill_if_enabled() -> None:
    acct = long_account(AccountSettings(expire_close_position_on_flat=True))
    stop(acct, "99500.0")
    tp, _ = acct.new_algo(
        "BTCUSDT", "SELL", "TAKE_PROFIT_MARKET", None, D("100500.0"), True, False, "CONTRACT_PRICE", "tp-1", 3
    )
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4)
    assert steps(events) == [*SEQUENCES["triggered_first"], ("ALGO_UPDATE", "EXPIRED")]
    assert events[-1]["o"]["caid"] == "tp-1" and acct.algos[tp.algo_id].status == "EXPIRED"


def test_close_position_orders_when_manual_close_flattens_expire_after_its_fill() -> None:
    acct = long_account(AccountSettings(expire_close_position_on_flat=True))
    stop(acct, "99500.0")
    _, _, events = acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", True, "close-1", 4)
    assert steps(events) == [*FILL, ("ALGO_UPDATE", "EXPIRED")]


def test_close_position_orders_when_setting_is_off_stay_new_until_trigger() -> None:
    acct = long_account()
    algo_id = stop(acct, "99500.0")
    _, _, events = acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", True, "close-1", 4)
    assert steps(events) == FILL and acct.algos[algo_id].status == "NEW"
    late = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=5)  # nothing left to close
    assert steps(late) == [("ALGO_UPDATE", "TRIGGERING"), ("ALGO_UPDATE", "EXPIRED")]


def test_mark_price_stop_when_last_price_wicks_one_tick_does_not_trigger_but_contract_stop_does() -> None:
    acct = long_account()
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=3, mark=D("100000.05"))
    mark_stop = stop(acct, "99500.0", cid="sl-mark", working_type="MARK_PRICE")
    contract_stop = stop(acct, "99500.0", cid="sl-last")
    events = acct.on_book("BTCUSDT", D("99400.0"), D("99400.1"), now=4, mark=D("99950.0"))  # the mark barely moves
    assert [e["o"]["caid"] for e in events if e["e"] == "ALGO_UPDATE"] == ["sl-last"] * 3
    assert acct.algos[contract_stop].status == "FINISHED" and acct.algos[mark_stop].status == "NEW"


def test_mark_price_stop_when_mark_crosses_triggers_on_mark_alone() -> None:
    acct = long_account()
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=3, mark=D("100000.05"))
    algo_id = stop(acct, "99500.0", working_type="MARK_PRICE")
    assert acct.on_mark("BTCUSDT", D("99600.0"), 4) == []
    assert steps(acct.on_mark("BTCUSDT", D("99490.0"), 5))[-1] == ("ALGO_UPDATE", "FINISHED")
    assert acct.algos[algo_id].status == "FINISHED"


def test_price_protect_when_last_is_far_from_mark_holds_trigger_until_they_meet() -> None:
    acct = long_account()
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=3, mark=D("100000.05"))
    protected = stop(acct, "99500.0", cid="sl-pp", price_protect=True)
    events = acct.on_book("BTCUSDT", D("94000.0"), D("94000.1"), now=4, mark=D("100000.0"))  # 6% > triggerProtect 5%
    assert events == [] and acct.algos[protected].status == "NEW"
    events = acct.on_mark("BTCUSDT", D("95000.0"), 5)  # 1% apart now
    assert steps(events)[-1] == ("ALGO_UPDATE", "FINISHED")
    assert next(e for e in events if e["e"] == "ALGO_UPDATE")["o"]["pP"] is True


def test_new_algo_when_working_price_already_crossed_is_refused_with_2021() -> None:
    acct = long_account()
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=3, mark=D("99400.0"))
    with pytest.raises(BinanceError) as err:
        stop(acct, "99500.0", working_type="MARK_PRICE")
    assert err.value.code == -2021
    stop(acct, "99500.0", cid="sl-last")  # the last price has not crossed it
