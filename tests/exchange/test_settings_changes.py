"""Binance's rules for changing an account's settings, and the position side every new order obeys."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from exchange import settings_changes
from tests.exchange.accounts import account, buy, code_of


def test_margin_type_change_when_unchanged_open_order_or_position_is_refused_with_binance_codes() -> None:
    acct = account()
    assert code_of(settings_changes.change_margin_type, acct, "BTCUSDT", "CROSSED") == -4046
    acct.new_order("BTCUSDT", "BUY", "LIMIT", D("0.010"), D("99000.0"), "GTC", False, "rest-1", 2)
    assert code_of(settings_changes.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4047
    acct.cancel_order("BTCUSDT", None, "rest-1", 3)
    buy(acct)
    assert code_of(settings_changes.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4048
    settings_changes.change_margin_type(acct, "ETHUSDT", "ISOLATED")
    assert acct.settings.margin_type_of("ETHUSDT") == "ISOLATED"
    assert code_of(settings_changes.change_multi_assets, acct, True) == -4167


def test_margin_type_isolated_when_multi_assets_is_on_is_refused_with_4168() -> None:
    acct = account(multi_assets=True)
    assert code_of(settings_changes.change_margin_type, acct, "BTCUSDT", "ISOLATED") == -4168
    assert code_of(settings_changes.change_multi_assets, acct, True) == -4171


def test_position_mode_change_when_unchanged_position_or_open_order_is_refused() -> None:
    acct = account()
    assert code_of(settings_changes.change_position_mode, acct, False) == -4059
    buy(acct)
    assert code_of(settings_changes.change_position_mode, acct, True) == -4068
    acct.new_order("BTCUSDT", "SELL", "MARKET", D("0.010"), None, "GTC", True, "close-1", 3)
    acct.new_algo("BTCUSDT", "SELL", "STOP_MARKET", None, D("90000.0"), True, False, "MARK_PRICE", "sl-1", 4)
    assert code_of(settings_changes.change_position_mode, acct, True) == -4067
    acct.cancel_algo(None, "sl-1", 5)
    settings_changes.change_position_mode(acct, True)
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
