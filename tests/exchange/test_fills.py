"""A fill's commission: in BNB at the discount while the BNB wallet can pay, else in USDT."""

from __future__ import annotations

from decimal import Decimal as D

from tests.exchange.accounts import account, buy


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
