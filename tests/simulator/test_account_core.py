"""The pure account's settings rules, commissions in BNB, funding and positions the exchange closes."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from simulator import settings
from simulator.errors import BinanceError
from simulator.matching import Account
from simulator.settings import AccountSettings
from simulator.symbols import SYMBOLS


def account(**settings_kw: Any) -> Account:
    acct = Account(dict(SYMBOLS), D("10000"), settings=AccountSettings(**settings_kw))
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=1)
    return acct


def buy(acct: Account, qty: str = "0.010", cid: str = "entry-1", **kw: Any) -> list[dict[str, Any]]:
    return acct.new_order("BTCUSDT", "BUY", "MARKET", D(qty), None, "GTC", False, cid, 2, **kw)[2]


def code_of(fn: Any, *args: Any, **kw: Any) -> int:
    with pytest.raises(BinanceError) as err:
        fn(*args, **kw)
    return err.value.code


# -- settings --------------------------------------------------------------------------------------
def test_margin_type_change_when_unchanged_open_order_or_position_is_refused_with_binance_codes() -> None:
    acct = account()
    assert code_of(settings.change_margin_type, acct, "BTCUSDT", "CROSSED") == -4046
    acct.new_order("BTCUSDT", "BUY", "LIMIT", D("0.010"), D("99000.0"), "GTC", False, "rest-1", 2)
    assert code_of(settings.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4047
    acct.cancel_order("BTCUSDT", None, "rest-1", 3)
    buy(acct)
    assert code_of(settings.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4048
    settings.change_margin_type(acct, "ETHUSDT", "ISOLATED")
    assert acct.settings.margin_type_of("ETHUSDT") == "ISOLATED"
    assert code_of(settings.change_multi_assets, acct, True) == -4167


def test_margin_type_isolated_when_multi_assets_is_on_is_refused_with_4168() -> None:
    acct = account(multi_assets=True)
    assert code_of(settings.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4168
    assert code_of(settings.change_multi_assets, acct, True) == -4171


def test_position_mode_change_when_unchanged_position_or_open_order_is_refused() -> None:
    acct = account()
    assert code_of(settings.change_position_mode, acct, False) == -4059
    buy(acct)
    assert code_of(settings.change_position_mode, acct, True) == -4068
    acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", True, "close-1", 3)
    acct.new_algo("BTCUSDT", "SELL", "STOP_MARKET", None, D("90000.0"), True, False, "MARK_PRICE", "sl-1", 4)
    assert code_of(settings.change_position_mode, acct, True) == -4067
    acct.cancel_algo(None, "sl-1", 5)
    settings.change_position_mode(acct, True)
    assert acct.settings.dual_side


@pytest.mark.parametrize(
    ("dual_side", "kw", "code"),
    [
        (True, {}, -4061),  # no positionSide in hedge mode
        (True, {"position_side": "BOTH"}, -4061),
        (True, {"position_side": "LONG", "reduce_only_sent": True}, -1106),
        (True, {"position_side": "LONG"}, -1000),  # hedge-mode legs are not simulated
        (False, {"position_side": "LONG"}, -4061),
        (False, {"position_side": "UP"}, -4060),
    ],
)
def test_new_order_when_position_side_conflicts_with_mode_is_refused(
    dual_side: bool, kw: dict[str, Any], code: int
) -> None:
    acct = account(dual_side=dual_side)
    assert code_of(buy, acct, **kw) == code
    assert code_of(acct.test_order, "BTCUSDT", "BUY", "MARKET", D("0.010"), None, "GTC", False, "t-1", **kw) == code


def test_new_algo_when_reduce_only_is_sent_in_hedge_mode_is_refused_with_1106() -> None:
    acct = account(dual_side=True)
    args = ("BTCUSDT", "SELL", "STOP_MARKET", D("0.010"), D("90000.0"), False, True, "MARK_PRICE", "sl-1", 2)
    assert code_of(acct.new_algo, *args, position_side="LONG") == -1106


def test_test_order_when_valid_places_nothing_and_when_invalid_raises_like_new_order() -> None:
    acct = account()
    before = (dict(acct.orders), acct.next_order_id, acct.balance)
    acct.test_order("BTCUSDT", "BUY", "MARKET", D("0.010"), None, "GTC", False, "t-1")
    assert (dict(acct.orders), acct.next_order_id, acct.balance) == before and not acct.positions
    assert code_of(acct.test_order, "BTCUSDT", "BUY", "MARKET", D("5"), None, "GTC", False, "t-1") == -2019
    assert code_of(acct.test_order, "BTCUSDT", "BUY", "STOP_MARKET", D("1"), None, "GTC", False, "t-1") == -4120


# -- commissions ------------------------------------------------------------------------------------
def test_commission_when_fee_asset_is_bnb_charges_discounted_bnb_and_pushes_both_wallets() -> None:
    acct = account(fee_asset="BNB", bnb_price=D("600"))
    acct.bnb_balance = D("1")
    events = buy(acct)
    fill = next(e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE")
    # 0.010 x 100000.1 x 0.0005 taker x 0.9 / 600 = 0.00075000075 -> 8 dp
    assert (fill["N"], fill["n"]) == ("BNB", "0.00075")
    assert acct.bnb_balance == D("0.99925") and acct.balance == D("10000")
    update = next(e for e in events if e["e"] == "ACCOUNT_UPDATE")
    assert [(b["a"], b["wb"]) for b in update["a"]["B"]] == [("USDT", "10000"), ("BNB", "0.99925")]


def test_commission_when_bnb_wallet_cannot_pay_falls_back_to_full_usdt_fee() -> None:
    acct = account(fee_asset="BNB")
    acct.bnb_balance = D("0.0005")
    events = buy(acct)
    fill = next(e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE")
    assert (fill["N"], fill["n"]) == ("USDT", "0.5000005")
    assert acct.balance == D("10000") - D("0.5000005") and acct.bnb_balance == D("0.0005")
    assert [b["a"] for b in next(e for e in events if e["e"] == "ACCOUNT_UPDATE")["a"]["B"]] == ["USDT"]


# -- funding ----------------------------------------------------------------------------------------
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
