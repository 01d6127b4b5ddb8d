"""A real account's settings and money, live against the simulator: boot checks, commissions in BNB, funding,
equity from the exchange, leverage published while flat or in a position, a gateway's error page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import redis
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.orders import BootChecksCompleted
from schemas.positions import PositionClosed
from schemas.registry import FIELD
from schemas.streams import EXECUTIONS, LOGS
from simulator.config import DEFAULT_API_KEY
from tests.executor.harness import Harness, live_executor, simulator, wait_for
from tests.support.streams import entries

D = Decimal


@pytest.fixture(autouse=True)
def _fast_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)


def failed_checks(boot: Any) -> dict[str, str]:
    assert isinstance(boot, BootChecksCompleted)
    return {c.name: c.detail for c in boot.checks if not c.ok}


def boot_on(redis_url: str, account: dict[str, Any]) -> BootChecksCompleted:
    with simulator() as sim:
        h = Harness(sim, redis_url)
        h.fault({"action": "account", **account})
        with live_executor(redis_url, sim=sim) as h:
            [boot] = h.wait("BootChecksCompleted")
            assert isinstance(boot, BootChecksCompleted)
            return boot


def test_boot_when_the_account_is_in_hedge_mode_fails_naming_the_fix(redis_url: str) -> None:
    boot = boot_on(redis_url, {"dual_side": True})
    failed = failed_checks(boot)
    assert not boot.ok and "One-way" in failed["position_mode"], failed


def test_boot_when_the_key_is_read_only_fails_the_trade_permission_check(redis_url: str) -> None:
    boot = boot_on(redis_url, {"read_only_keys": [DEFAULT_API_KEY]})
    failed = failed_checks(boot)
    assert not boot.ok and "permissions" in failed, failed
    assert "-2015" in failed["permissions"] and "never enable withdrawals" in failed["permissions"]


def test_boot_when_multi_assets_mode_is_on_fails_naming_the_fix(redis_url: str) -> None:
    boot = boot_on(redis_url, {"multi_assets": True})
    assert "Single-Asset" in failed_checks(boot).get("multi_assets", ""), failed_checks(boot)


def test_boot_when_the_margin_type_differs_sets_the_configured_one(redis_url: str) -> None:
    with simulator() as sim, live_executor(redis_url, sim=sim) as h:
        [boot] = h.wait("BootChecksCompleted")
        assert isinstance(boot, BootChecksCompleted) and boot.ok
        configs = {r["symbol"]: r for r in h.rest("/fapi/v1/symbolConfig")}
        assert configs["BTCUSDT"]["marginType"] == "ISOLATED" and configs["BTCUSDT"]["leverage"] == 2


def trade_tp(h: Harness, setup_id: str) -> PositionClosed:
    h.open_protected_long(setup_id)
    h.set_book("100400.0", "100400.1")
    [closed] = h.wait("PositionClosed", setup_id=setup_id)
    assert isinstance(closed, PositionClosed)
    return closed


def test_money_when_commissions_are_in_bnb_the_trade_and_equity_carry_their_usdt_value(redis_url: str) -> None:
    with simulator() as sim:
        Harness(sim, redis_url).fault({"action": "account", "fee_asset": "BNB", "bnb_price": "600",
                                       "bnb_balance": "1"})
        with live_executor(redis_url, sim=sim) as h:
            closed = trade_tp(h, "bnb")
            fills = h.rest("/fapi/v1/userTrades", {"symbol": "BTCUSDT"})  # every trade on the account is ours
            assert {f["commissionAsset"] for f in fills} == {"BNB"}
            bnb = sum((D(f["commission"]) for f in fills), D(0))
            assert closed.fees_by_asset == {"BNB": bnb.quantize(D("0.00000001"))}
            assert closed.fees_usdt == (bnb * 600).quantize(D("0.00000001"))  # never the BNB amount as USDT
            realized = sum((D(f["realizedPnl"]) for f in fills), D(0))
            assert closed.pnl_usdt == (realized - bnb * 600).quantize(D("0.00000001"))

            def equity_matches() -> bool:
                account = h.running.state()["account"]
                exchange = D(account["wallet"]["USDT"]) + D(account["unrealized"]) - D(account["bnb_fees"]["USDT"])
                equity = D(str(h.payloads("AccountUpdated")[-1].equity))  # type: ignore[attr-defined]
                return abs(equity - exchange) < D("0.01")

            assert wait_for(equity_matches)


def test_money_when_funding_is_charged_during_the_trade_it_is_in_the_trade_and_the_equity(redis_url: str) -> None:
    with simulator() as sim, live_executor(redis_url, sim=sim) as h:
        h.open_protected_long("funded")
        h.fault({"action": "funding", "rate": "0.001"})  # a long pays 0.001 × 0.010 × ~100000 = ~1 USDT
        h.wait("FundingBooked", setup_id="funded")
        h.set_book("100400.0", "100400.1")
        [closed] = h.wait("PositionClosed", setup_id="funded")
        assert isinstance(closed, PositionClosed)
        assert D("-1.01") < closed.funding_usdt < D("-0.99")
        income = h.rest("/fapi/v1/income", {"symbol": "BTCUSDT", "incomeType": "FUNDING_FEE"})
        assert closed.funding_usdt == sum((D(r["income"]) for r in income), D(0))
        trades = h.rest("/fapi/v1/userTrades", {"symbol": "BTCUSDT"})
        realized = sum((D(r["realizedPnl"]) for r in trades), D(0))
        commission = sum((D(r["commission"]) for r in trades), D(0))
        assert closed.pnl_usdt == (realized - commission + closed.funding_usdt).quantize(D("0.00000001"))


def publish(h: Harness, config: BotConfig) -> None:
    h.command(ConfigPublished(idempotency_key=f"v{config.version}", actor="op", version=config.version,
                              config=config))


def leverage(h: Harness) -> tuple[int, str]:
    row = next(r for r in h.rest("/fapi/v1/symbolConfig") if r["symbol"] == "BTCUSDT")
    return int(row["leverage"]), str(row["marginType"])


def test_leverage_when_published_while_flat_is_set_at_the_exchange_at_once(redis_url: str) -> None:
    with simulator() as sim, live_executor(redis_url, sim=sim) as h:
        h.wait("BootChecksCompleted")
        assert leverage(h) == (2, "ISOLATED")
        publish(h, BotConfig(mode="live", version=2, leverage=3, margin_type="CROSSED"))
        h.wait("LeverageSet", count=4)  # boot's two, then the new config's
        assert leverage(h) == (3, "CROSSED")


def test_leverage_when_published_during_a_trade_is_set_once_the_trade_is_over(redis_url: str) -> None:
    with simulator() as sim, live_executor(redis_url, sim=sim) as h:
        h.open_protected_long("lev")
        publish(h, BotConfig(mode="live", version=2, leverage=3))
        h.wait("ProtectionPlaced", count=2)
        assert leverage(h) == (2, "ISOLATED")  # not under the open position
        h.set_book("100400.0", "100400.1")
        h.wait("PositionClosed", setup_id="lev")
        h.wait("LeverageSet", count=4)
        assert leverage(h) == (3, "ISOLATED")


def test_venue_error_when_a_gateway_answers_html_with_the_signed_url_no_signature_is_kept(redis_url: str) -> None:
    with simulator() as sim:
        h = Harness(sim, redis_url)
        for path in ("/fapi/v2/account", "/fapi/v3/balance"):  # the balance read at boot (either version)
            h.fault({"action": "rest_error", "kind": "gateway_html", "count": 1, "path": path})
        with live_executor(redis_url, sim=sim) as h:
            [boot] = h.wait("BootChecksCompleted")
            assert isinstance(boot, BootChecksCompleted) and not boot.ok
            client = redis.Redis.from_url(redis_url)
            recorded = [fields[FIELD] for stream in (EXECUTIONS, LOGS)
                        for _, fields in entries(client, stream)]
            assert recorded and not [r for r in recorded if b"signature=" in r]
            assert any("HTTP 502" in c.detail for c in boot.checks if not c.ok)
