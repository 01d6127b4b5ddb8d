"""The account as the exchange books it: commissions in any asset, funding, equity re-based from the exchange,
settings changes, the user-data stream, filters (the live core, the venue's reports typed by hand)."""

from __future__ import annotations

from decimal import Decimal

from schemas.account import AccountUpdated, BalanceReported, FundingBooked, FundingCharged, UserStreamChanged
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.orders import BootChecksCompleted, EntryNotPlaced, OrderCanceled, OrderSubmitted
from schemas.positions import IncidentReported, PositionClosed
from tests.executor.events import approved, book, env
from tests.executor.live_core import LiveCore, accept, fill, ids, of, open_long

D = Decimal


def publish(c: LiveCore, config: BotConfig) -> list[object]:
    return list(c.feed(env(ConfigPublished(idempotency_key=f"cfg-{config.version}", actor="op",
                                           version=config.version, config=config), c.now + 1)))


def test_money_when_commissions_are_paid_in_bnb_they_are_valued_per_fill_and_equity_pays_them() -> None:
    c = LiveCore()
    c.venue(BalanceReported(wallet_usdt=D("1000"), unrealized_usdt={}, reason="BOOT"))
    c.feed(book(c.now + 1, "100000.0", "100000.1"))
    legs = {k: v.client_order_id for k, v in c.submitted(c.feed(approved(c.now + 1, "LONG", "0.010",
                                                                          "100000.1"))).items()}
    accept(c, legs["el"])
    # 0.0003 BNB at 600 USDT = 0.18 USDT: booked as 0.18, never as 0.0003
    legs |= {k: v.client_order_id for k, v in c.submitted(
        fill(c, legs["el"], "0.010", "100000.0", fee="0.0003", fee_asset="BNB", fee_usdt="0.18", trade_id=1)).items()}
    accept(c, legs["tp"])
    out = fill(c, legs["tp"], "0.010", "100350.0", side="SELL", purpose="TAKE_PROFIT", fee="0.00075",
               fee_asset="BNB", fee_usdt="0.45", rp="3.5", trade_id=2)
    [closed] = of(out, PositionClosed)
    assert closed.fees_usdt == D("0.63") and closed.fees_by_asset == {"BNB": D("0.00105")}
    assert closed.pnl_usdt == D("3.5") - D("0.63")  # the exchange's realized PnL less the commissions
    # the exchange's wallet (USDT) gained the realized PnL; the BNB spent is our cost too
    out = c.venue(BalanceReported(wallet_usdt=D("1003.5"), unrealized_usdt={"BTCUSDT": D(0)}, reason="ORDER"))
    [account] = of(out, AccountUpdated)
    assert account.equity == D("1003.5") - D("0.63") and account.wallet_balance == D("1003.5")


def test_money_when_funding_is_charged_on_the_open_trade_it_is_in_its_pnl_and_otherwise_on_the_day() -> None:
    c = LiveCore()
    legs = open_long(c)
    out = c.venue(FundingCharged(symbol="BTCUSDT", asset="USDT", amount=D("-0.1"), amount_usdt=D("-0.1"), time=1))
    assert [(b.setup_id, b.amount_usdt) for b in of(out, FundingBooked)] == [("setup-1", D("-0.1"))]
    out = fill(c, legs["sl"], "0.010", "99550.0", side="SELL", purpose="STOP_LOSS", rp="-4.5", trade_id=3)
    [closed] = of(out, PositionClosed)
    assert closed.funding_usdt == D("-0.1") and closed.pnl_usdt == D("-4.5") - D("0.02") - D("0.1")
    out = c.venue(FundingCharged(symbol=None, asset="USDT", amount=D("0.05"), amount_usdt=D("0.05"), time=2))
    assert [(b.setup_id, b.amount_usdt) for b in of(out, FundingBooked)] == [(None, D("0.05"))]


def test_equity_when_the_exchange_reports_the_account_is_rebased_on_it() -> None:
    c = LiveCore()
    out = c.venue(BalanceReported(wallet_usdt=D("1350"), unrealized_usdt={"BTCUSDT": D("2.5")}, reason="BOOT"))
    assert [a.equity for a in of(out, AccountUpdated)] == [D("1352.5")]
    out = c.venue(BalanceReported(wallet_usdt=D("1349"), unrealized_usdt=None, reason="ORDER"))
    assert [a.equity for a in of(out, AccountUpdated)] == [D("1351.5")]  # the last unrealized PnL still counts
    assert c.venue(BalanceReported(wallet_usdt=D("1349"), unrealized_usdt=None, reason="ORDER")) == []


def test_settings_when_leverage_changes_while_flat_are_applied_at_once() -> None:
    c = LiveCore()
    publish(c, BotConfig(version=2, leverage=3))
    [req] = [r for r in c.state.outbox if r.action == "account"]
    assert (req.leverage, req.margin_type) == (3, "ISOLATED")


def test_settings_when_leverage_changes_during_a_trade_wait_until_it_is_over() -> None:
    c = LiveCore()
    legs = open_long(c)
    publish(c, BotConfig(version=2, leverage=3))
    assert c.requests("account") == [] and c.state.account_due
    fill(c, legs["tp"], "0.010", "100350.0", side="SELL", purpose="TAKE_PROFIT", trade_id=4)
    c.venue(OrderCanceled(client_order_id=legs["sl"], filled_qty=D(0), reason="CANCELED", **ids()))
    c.timer(c.now + 1)
    assert c.requests("account") == ["account-1"]


def test_mode_when_the_config_says_paper_on_a_live_executor_entries_are_refused_with_an_incident() -> None:
    c = LiveCore(trading_mode="live")
    out = publish(c, BotConfig(version=2, mode="paper"))
    assert [i.kind for i in out if isinstance(i, IncidentReported)] == ["MODE_MISMATCH"]
    entered = c.feed(approved(c.now + 1, "LONG", "0.010", "100000.1"))
    assert of(entered, OrderSubmitted) == []


def test_entry_when_the_user_stream_is_down_is_not_placed() -> None:
    c = LiveCore()
    c.venue(UserStreamChanged(connected=False, detail="dropped"))
    out = c.feed(approved(c.now + 1, "LONG", "0.010", "100000.1"))
    [refused] = of(out, EntryNotPlaced)
    assert "user-data stream down" in refused.reason and of(out, OrderSubmitted) == []


def test_entry_when_the_symbol_is_not_trading_or_filters_are_missing_is_not_placed() -> None:
    c = LiveCore(booted=False)
    c.venue(UserStreamChanged(connected=True))
    assert [p.reason for p in of(c.feed(approved(c.now + 1, "LONG", "0.010", "100000.1")), EntryNotPlaced)] == [
        "no exchange filters for BTCUSDT"]
    from executor.filters import default_filters

    halted = [f.model_copy(update={"status": "SETTLING"}) for f in default_filters(c.config)]
    c.venue(BootChecksCompleted(ok=True, venue="live", checks=(), filters=tuple(halted)))
    out = c.feed(approved(c.now + 1, "LONG", "0.010", "100000.1", setup_id="s2"))
    assert [p.reason for p in of(out, EntryNotPlaced)] == ["BTCUSDT is SETTLING at the exchange, not TRADING"]


def test_entry_when_the_limit_times_out_the_market_remainder_uses_the_market_lot_step() -> None:
    c = LiveCore(booted=False)
    c.venue(UserStreamChanged(connected=True))
    from executor.filters import default_filters

    coarse = [f.model_copy(update={"market_step_size": D("0.01"), "max_qty": D("0.1")}) for f in
              default_filters(c.config)]
    c.venue(BootChecksCompleted(ok=True, venue="live", checks=(), filters=tuple(coarse)))
    c.feed(book(c.now + 1, "100000.0", "100000.1"))
    legs = {k: v for k, v in c.submitted(c.feed(approved(c.now + 1, "LONG", "0.5", "100000.1"))).items()}
    assert legs["el"].qty == D("0.100")  # capped at the largest quantity an order may carry
    accept(c, legs["el"].client_order_id)
    exits = c.submitted(fill(c, legs["el"].client_order_id, "0.005", "100000.0", final=False, trade_id=1))
    for leg in ("sl", "tp"):
        accept(c, exits[leg].client_order_id)
    c.timer(c.now + 5_000)
    out = c.venue(OrderCanceled(client_order_id=legs["el"].client_order_id, filled_qty=D("0.005"),
                                reason="CANCELED", **ids()))
    [market] = [p for p in of(out, OrderSubmitted) if p.order_type == "MARKET"]
    assert market.qty == D("0.09")  # 0.095 floored to MARKET_LOT_SIZE's 0.01
