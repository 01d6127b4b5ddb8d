"""Live boot: reconcile with what the venue holds (seed §10.2, DESIGN §6), and the health check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from schemas.commands import HealthCheckRequested
from schemas.config import BotConfig, ExecutionConfig
from schemas.orders import BootChecksCompleted, HealthCheckResult
from schemas.positions import IncidentReported, PositionClosed
from tests.executor.harness import Harness, live_executor, simulator, wait_for


@pytest.fixture(autouse=True)
def _fast_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)


def _position(h: Harness) -> Decimal:
    return sum((Decimal(p["positionAmt"]) for p in h.rest("/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})),
               Decimal(0))


def _reconcile_detail(boot: BootChecksCompleted) -> str:
    return next(c.detail for c in boot.checks if c.name == "reconcile")


def foreign_position_and_orders(h: Harness) -> None:
    """Someone else's trading on the same account: a position, a resting order and a stop."""
    h.rest("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.005",
                              "newClientOrderId": "manual-pos"}, method="POST")
    h.rest("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.002",
                              "price": "90000.0", "timeInForce": "GTC", "newClientOrderId": "manual-limit"},
           method="POST")
    h.rest("/fapi/v1/algoOrder", {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL",
                                  "type": "STOP_MARKET", "triggerPrice": "95000.0", "closePosition": "true",
                                  "clientAlgoId": "manual-stop"}, method="POST")


def test_boot_when_venue_holds_a_foreign_position_by_default_stays_in_error_naming_everything(
        redis_url: str) -> None:
    with simulator() as sim:
        h = Harness(sim, redis_url)
        h.set_book("100000.0", "100000.1")
        foreign_position_and_orders(h)
        with live_executor(redis_url, sim=sim) as h:
            boot = h.wait("BootChecksCompleted")[0]
            assert isinstance(boot, BootChecksCompleted) and not boot.ok
            detail = _reconcile_detail(boot)
            for named in ("position BTCUSDT 0.005", "manual-limit", "manual-stop", "on_foreign_position=close"):
                assert named in detail, detail
            assert _position(h) == Decimal("0.005") and len(h.open_algos()) == 1  # untouched


def test_boot_when_venue_holds_a_foreign_position_and_the_policy_closes_cancels_them_and_closes_it(
        redis_url: str) -> None:
    with simulator() as sim:
        h = Harness(sim, redis_url)
        h.set_book("100000.0", "100000.1")
        foreign_position_and_orders(h)
        assert _position(h) == Decimal("0.005")
        close = BotConfig(mode="live", execution=ExecutionConfig(on_foreign_position="close"))
        with live_executor(redis_url, close, sim=sim) as h:
            boot = h.wait("BootChecksCompleted")[0]
            assert isinstance(boot, BootChecksCompleted) and boot.ok, boot
            detail = _reconcile_detail(boot)
            assert "cancelled manual-limit" in detail and "closed BTCUSDT 0.005" in detail
            incidents = h.payloads("IncidentReported")
            assert sorted((i.kind, i.action) for i in incidents if isinstance(i, IncidentReported)) == [
                ("UNKNOWN_ORDER", "cancelled"), ("UNKNOWN_ORDER", "cancelled"),
                ("UNKNOWN_POSITION", "closed at market")]
            assert any("manual-limit" in i.detail for i in incidents)  # type: ignore[attr-defined]
            assert any("manual-stop" in i.detail for i in incidents)  # type: ignore[attr-defined]
            assert _position(h) == 0
            assert h.rest("/fapi/v1/openOrders", {"symbol": "BTCUSDT"}) == []
            assert h.open_algos() == []


def test_boot_when_restarted_mid_trade_adopts_its_position_and_keeps_its_protection(redis_url: str) -> None:
    with simulator() as sim:
        with live_executor(redis_url, sim=sim) as h:
            h.open_protected_long("adopt")
        protection = h.open_algos()
        assert protection == [("STOP_MARKET", Decimal("99550.0")), ("TAKE_PROFIT_MARKET", Decimal("100350.0"))]
        with live_executor(redis_url, sim=sim) as h:
            boot = h.wait("BootChecksCompleted", count=2)[1]
            assert isinstance(boot, BootChecksCompleted) and boot.ok
            assert _reconcile_detail(boot) == ("1 open trade(s) reconciled, 0 rebuilt from PostgreSQL (positions: "
                                               "BTCUSDT 0.010); 2 of our orders working")
            assert h.payloads("IncidentReported") == []
            assert _position(h) == Decimal("0.010") and h.open_algos() == protection
            h.set_book("100400.0", "100400.1")  # the adopted take profit still works and is still ours
            closed = h.wait("PositionClosed", setup_id="adopt")[0]
            assert isinstance(closed, PositionClosed) and closed.reason == "TP"
            assert wait_for(lambda: h.open_algos() == [])


def test_health_when_requested_twice_live_answers_once_with_every_check(redis_url: str) -> None:
    with live_executor(redis_url) as h:
        h.wait("BootChecksCompleted")
        request = HealthCheckRequested(idempotency_key="hc-1", actor="test")
        h.command(request)
        h.command(request)
        result = h.wait("HealthCheckResult", idempotency_key="hc-1")[0]
        assert isinstance(result, HealthCheckResult) and result.ok
        checks = {c.name: c for c in result.checks}
        assert set(checks) == {"connectivity", "clock_skew", "mode", "account_config", "position_mode", "multi_assets",
                               "exchange_info", "commission_BTCUSDT", "commission_ETHUSDT", "symbol_BTCUSDT",
                               "symbol_ETHUSDT", "permissions", "symbol_config", "margin_type_BTCUSDT",
                               "margin_type_ETHUSDT", "leverage_BTCUSDT", "leverage_ETHUSDT", "user_stream",
                               "rate_limit"}
        assert all(c.ok for c in checks.values())
        assert "/2400 weight used" in checks["rate_limit"].detail
        h.command(HealthCheckRequested(idempotency_key="hc-2", actor="test"))
        h.wait("HealthCheckResult", idempotency_key="hc-2")  # hc-2 came after the duplicate: it is done
        assert len(h.payloads("HealthCheckResult", idempotency_key="hc-1")) == 1
