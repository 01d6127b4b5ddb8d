"""A pure account to drive in tests: BTCUSDT's book at 100000.0/100000.1, and what a call raises."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from exchange.account import Account
from exchange.errors import BinanceError
from exchange.settings import AccountSettings
from exchange.symbols import SYMBOLS


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
