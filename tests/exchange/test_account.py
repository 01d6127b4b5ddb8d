"""The pure matching/account core, driven by book updates and an explicit ``now``."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from exchange.account import Account
from exchange.errors import BinanceError
from exchange.symbols import SYMBOLS


def account() -> Account:
    acct = Account(dict(SYMBOLS), D("10000"))
    acct.on_book("BTCUSDT", D("100000.0"), D("100000.1"), now=1)
    return acct


def test_take_profit_close_position_when_price_reaches_trigger_flattens_position() -> None:
    acct = account()
    _, filled, _ = acct.new_order(
        "BTCUSDT", "BUY", "MARKET", D("0.010"), None, "GTC", False, "entry-1", now=2
    )
    assert filled.status == "FILLED" and acct.position("BTCUSDT").amt == D("0.010")
    algo, _ = acct.new_algo(
        "BTCUSDT",
        "SELL",
        "TAKE_PROFIT_MARKET",
        None,
        D("100350.0"),
        True,
        False,
        "CONTRACT_PRICE",
        "tp-1",
        now=3,
    )
    assert acct.on_book("BTCUSDT", D("100200.0"), D("100200.1"), now=4) == []
    events = acct.on_book("BTCUSDT", D("100400.0"), D("100400.1"), now=5)
    statuses = [e["o"]["X"] for e in events if e["e"] == "ALGO_UPDATE"]
    assert statuses == ["TRIGGERING", "TRIGGERED", "FINISHED"]
    assert acct.position("BTCUSDT").amt == 0 and acct.algos[algo.algo_id].status == "FINISHED"
    assert acct.balance > D("10000")  # ~ +4 USDT gross minus two taker fees


def test_resting_limit_buy_fills_as_maker_when_ask_reaches_price() -> None:
    acct = account()
    _, order, events = acct.new_order(
        "BTCUSDT", "BUY", "LIMIT", D("0.002"), D("99990.0"), "GTC", False, "l1", 2
    )
    assert order.status == "NEW" and [e["o"]["x"] for e in events] == ["NEW"]
    fills = acct.on_book("BTCUSDT", D("99989.9"), D("99990.0"), now=3)
    trade = next(e for e in fills if e["e"] == "ORDER_TRADE_UPDATE")
    assert trade["o"]["X"] == "FILLED" and trade["o"]["m"] is True and trade["o"]["L"] == "99990.00"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"type_": "STOP_MARKET"}, -4120),
        ({"qty": D("0.0005")}, -4023),
        ({"qty": D("0.0001") + D("0.001")}, -4023),
        ({"type_": "LIMIT", "price": D("50000.0"), "qty": D("0.001")}, -4164),
        ({"qty": D("5")}, -2019),
        ({"tif": "GTX", "type_": "LIMIT", "price": D("100000.1")}, -5022),
        ({"reduce_only": True}, -2022),
        ({"client_id": "x" * 37}, -4015),
    ],
)
def test_new_order_rejections_use_binance_codes(kwargs: dict[str, object], code: int) -> None:
    args: dict[str, object] = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type_": "MARKET",
        "qty": D("0.002"),
        "price": None,
        "tif": "GTC",
        "reduce_only": False,
        "client_id": "c1",
        "now": 2,
    }
    args.update(kwargs)
    with pytest.raises(BinanceError) as err:
        account().new_order(**args)  # type: ignore[arg-type]
    assert err.value.code == code
