"""Sizing on the seed's R25,000 (~1,350 USDT) account: DESIGN §5, seed §5.2, with real Binance filters."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from governor.sizing import Sizing, Veto, round_down, round_up, size_entry
from schemas.config import effective_risk_pct
from schemas.orders import SymbolFilters
from schemas.types import PositionSide, RejectReason
from tests.governor.factories import BTC, ETH, config

EQUITY = D(1350)


def sized(side: PositionSide, bid: str, ask: str, filters: SymbolFilters = BTC, equity: D = EQUITY,
          leverage: int = 2, budget: D | None = None) -> Sizing:
    result = size_entry(side=side, bid=D(bid), ask=D(ask), equity=equity, config=config(leverage=leverage),
                        filters=filters, risk_budget=budget)
    assert isinstance(result, Sizing), result
    return result


def vetoed(side: PositionSide, bid: str, ask: str, filters: SymbolFilters, equity: D) -> Veto:
    result = size_entry(side=side, bid=D(bid), ask=D(ask), equity=equity, config=config(), filters=filters)
    assert isinstance(result, Veto), result
    return result


def test_round_down_when_between_steps_truncates_towards_zero() -> None:
    assert round_down(D("0.0069444"), D("0.001")) == D("0.006")
    assert round_down(D("0.005"), D("0.001")) == D("0.005")
    assert round_up(D("107513.90045"), D("0.10")) == D("107514.0")
    assert round_down(D("107513.90045"), D("0.10")) == D("107513.9")


def test_size_entry_when_btc_long_at_defaults_margin_cap_binds_at_0_005() -> None:
    # risk: 1350 * 0.25% = 3.375 USDT / (108000 * 0.45% = 486) = 0.00694 -> 0.006
    # cap:  1350 * 20% margin * 2x = 540 USDT notional / 108000 = 0.005 -> binds
    s = sized("LONG", "107999.9", "108000.0")
    assert s.qty == D("0.005")
    assert s.capped
    assert s.entry_price == D("107999.9")  # the LIMIT sits at the bid for a LONG
    assert s.stop_price == D("107514.0")  # 107513.90045 rounded up: closer to entry
    assert s.take_profit_price == D("108377.8")  # 108377.89965 rounded down: closer to entry
    assert s.margin_usdt == D("270.00000000")  # exactly at the 20% cap, not above it
    assert s.risk_usdt == D("2.43000000")  # 0.005 * 486
    assert s.effective_risk_pct == D("0.00180000")  # below the configured 0.25%: the cap only lowers risk
    assert s.effective_risk_pct <= effective_risk_pct(config())


def test_size_entry_when_btc_ask_one_tick_above_108000_cap_rounds_down_to_0_004() -> None:
    s = sized("LONG", "108000.0", "108000.1")
    assert s.qty == D("0.004")  # 540 / 108000.1 = 0.0049999..., never rounded up to 0.005


def test_size_entry_when_btc_short_stop_above_entry_rounded_down_and_tp_rounded_up() -> None:
    s = sized("SHORT", "107999.9", "108000.0")
    assert s.entry_price == D("108000.0")  # the LIMIT sits at the ask for a SHORT
    assert s.stop_price == D("108486.0")
    assert s.take_profit_price == D("107622.0")
    assert s.qty == D("0.005")
    # a MARKET fallback sells at the bid: the stop is 486.1 away from that fill, and sizing used it
    assert s.risk_usdt == D("2.43050000")


def test_size_entry_when_eth_long_at_defaults_margin_cap_binds_at_0_142() -> None:
    # risk: 3.375 / (3800 * 0.45% = 17.1) = 0.1973 -> 0.197; cap: 540 / 3800 = 0.1421 -> 0.142
    s = sized("LONG", "3799.99", "3800.00", filters=ETH)
    assert s.qty == D("0.142")
    assert s.capped
    assert s.stop_price == D("3782.90")  # 3782.890045 rounded up
    assert s.take_profit_price == D("3813.28")  # 3813.289965 rounded down
    assert s.margin_usdt == D("269.80000000")


def test_size_entry_when_leverage_3_btc_risk_budget_binds_at_0_006() -> None:
    # cap at 3x: 810 / 108000 = 0.0075 -> 0.007; the risk size 0.006 is smaller and wins
    s = sized("LONG", "107999.9", "108000.0", leverage=3)
    assert s.qty == D("0.006")
    assert not s.capped
    assert s.margin_usdt == D("216.00000000")
    assert s.risk_usdt == D("2.91600000")
    assert s.risk_usdt <= EQUITY * D("0.0025")


def test_size_entry_when_leverage_3_eth_risk_budget_binds_at_0_197() -> None:
    s = sized("LONG", "3799.99", "3800.00", filters=ETH, leverage=3)
    assert s.qty == D("0.197")
    assert not s.capped
    assert s.risk_usdt <= EQUITY * D("0.0025")


def test_size_entry_when_risk_budget_below_per_trade_risk_size_shrinks() -> None:
    s = sized("LONG", "107999.9", "108000.0", leverage=3, budget=D("1.0"))
    assert s.qty == D("0.002")  # 1.0 / 486 = 0.00205
    assert s.risk_usdt <= D("1.0")


def test_size_entry_when_book_is_off_tick_reference_rounds_to_tick_away_from_paying_more() -> None:
    long = sized("LONG", "107563.3215650", "107574.0774", leverage=3)
    short = sized("SHORT", "107563.3215650", "107574.0774", leverage=3)
    assert (long.entry_price, short.entry_price) == (D("107563.3"), D("107574.1"))
    assert long.qty * D("107574.1") * D("0.0045") <= EQUITY * D("0.0025")


def test_size_entry_when_btc_size_below_min_qty_vetoes() -> None:
    veto = vetoed("LONG", "107999.9", "108000.0", BTC, D(100))  # cap 40 USDT -> 0.00037 BTC
    assert veto.reason == RejectReason.BELOW_MIN_NOTIONAL


def test_size_entry_when_btc_qty_meets_min_qty_but_notional_below_100_vetoes_never_rounds_up() -> None:
    veto = vetoed("LONG", "90000.0", "90000.1", BTC, D(250))  # qty 0.001 -> 90 USDT < 100
    assert veto.reason == RejectReason.BELOW_MIN_NOTIONAL
    assert "0.001" in veto.detail


def test_size_entry_when_eth_notional_below_20_vetoes() -> None:
    veto = vetoed("LONG", "3799.99", "3800.00", ETH, D(30))  # cap 12 USDT -> 0.003 ETH = 11.4 USDT
    assert veto.reason == RejectReason.BELOW_MIN_NOTIONAL


@pytest.mark.parametrize(("bid", "ask"), [("108000.1", "108000.0"), ("0", "1"), ("-1", "-1")])
def test_size_entry_when_book_crossed_or_empty_vetoes(bid: str, ask: str) -> None:
    assert vetoed("LONG", bid, ask, BTC, EQUITY).reason == RejectReason.SPREAD


def test_size_entry_when_equity_not_positive_vetoes_no_equity() -> None:
    assert vetoed("LONG", "107999.9", "108000.0", BTC, D(0)).reason == RejectReason.NO_EQUITY


@pytest.mark.parametrize("side", ["LONG", "SHORT"])
@pytest.mark.parametrize("leverage", [1, 2, 3])
@pytest.mark.parametrize(("filters", "bid", "ask"), [(BTC, "107999.9", "108000.0"), (BTC, "60000.0", "60003.0"),
                                                      (ETH, "3799.99", "3800.00"), (ETH, "2500.00", "2501.50")])
def test_size_entry_when_any_book_worst_case_loss_within_risk_and_margin_within_cap(
        side: PositionSide, leverage: int, filters: SymbolFilters, bid: str, ask: str) -> None:
    s = sized(side, bid, ask, filters=filters, leverage=leverage)
    sl = config().execution.sl_pct
    assert s.qty * s.entry_price * sl <= EQUITY * D("0.0025")
    assert s.qty * D(ask) * sl <= EQUITY * D("0.0025")  # also at the worse touch
    assert s.qty * D(ask) / leverage <= EQUITY * D("0.20")
    assert s.qty % filters.step_size == 0
    assert s.stop_price % filters.tick_size == 0 and s.take_profit_price % filters.tick_size == 0
    assert abs(s.stop_price - s.entry_price) <= s.entry_price * sl  # rounded towards the entry
