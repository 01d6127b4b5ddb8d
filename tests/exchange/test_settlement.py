"""What the exchange does to an account by itself: funding payments, liquidation and auto-deleverage."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.exchange.accounts import account, buy


def test_funding_when_long_and_rate_positive_pays_and_cross_update_has_no_position() -> None:
    acct = account()
    buy(acct)
    events = acct.apply_funding("BTCUSDT", D("0.0001"), D("100000"), 10)
    assert acct.balance == D("10000") - D("0.5000005") - D("0.1")
    (update,) = events
    assert update["a"]["m"] == "FUNDING_FEE" and update["a"]["P"] == []
    assert update["a"]["B"] == [{"a": "USDT", "wb": "9999.3999995", "cw": "9999.3999995", "bc": "-0.1"}]


def test_funding_when_short_and_isolated_receives_and_update_carries_that_position() -> None:
    acct = account(margin_type={"BTCUSDT": "ISOLATED"})
    acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", False, "short-1", 2)
    wallet = acct.position("BTCUSDT").isolated_wallet
    assert wallet == D("0.010") * D("100000.0") / 20
    (update,) = acct.apply_funding("BTCUSDT", D("0.0001"), D("100000"), 10)
    (pos,) = update["a"]["P"]
    assert update["a"]["B"][0]["bc"] == "0.1" and (pos["s"], pos["mt"], pos["pa"]) == ("BTCUSDT", "isolated", "-0.01")
    assert acct.position("BTCUSDT").isolated_wallet == wallet + D("0.1")
    assert acct.apply_funding("ETHUSDT", D("0.0001"), D("4000"), 10) == []  # no position, nothing charged


# -- positions the exchange closes -------------------------------------------------------------------
def test_force_close_when_liquidated_pushes_calculated_fill_without_trade_lite_and_flat_position() -> None:
    acct = account(expire_close_position_on_flat=True)
    buy(acct)
    acct.new_algo("BTCUSDT", "SELL", "STOP_MARKET", None, D("90000.0"), True, False, "MARK_PRICE", "sl-1", 3)
    events = acct.force_close("BTCUSDT", "liquidation", D("95000.0"), 1761000000000)
    assert [(e["e"], e["o"].get("x", e["o"]["X"]) if "o" in e else e["a"]["m"]) for e in events] == [
        ("ORDER_TRADE_UPDATE", "NEW"),
        ("ORDER_TRADE_UPDATE", "CALCULATED"),
        ("ACCOUNT_UPDATE", "ORDER"),
        ("ALGO_UPDATE", "EXPIRED"),
    ]
    fill = events[1]["o"]
    want = ("autoclose-1761000000000", "LIQUIDATION", "LIQUIDATION", "FILLED", "95000.00")
    assert (fill["c"], fill["o"], fill["ot"], fill["X"], fill["L"]) == want
    assert fill["rp"] == "-50.001" and events[2]["a"]["P"][0]["pa"] == "0"
    assert acct.position("BTCUSDT").amt == 0


def test_force_close_when_auto_deleveraged_pushes_trade_with_trade_lite_and_adl_client_id() -> None:
    acct = account()
    acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", False, "short-1", 2)
    events = acct.force_close("BTCUSDT", "adl", None, 5)  # at the mark: the book mid 100000.05 -> tick
    assert [e["e"] for e in events] == ["ORDER_TRADE_UPDATE", "TRADE_LITE", "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"]
    fill = events[2]["o"]
    assert (fill["c"], fill["x"], fill["S"], fill["o"]) == ("adl_autoclose", "TRADE", "BUY", "LIMIT")
    assert acct.position("BTCUSDT").amt == 0


def test_force_close_when_flat_raises_value_error() -> None:
    with pytest.raises(ValueError, match="no BTCUSDT position"):
        account().force_close("BTCUSDT", "liquidation", None, 5)
