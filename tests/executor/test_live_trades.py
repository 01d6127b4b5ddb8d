"""Full trades through BinanceVenue against the simulator and a real Redis."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from schemas.orders import (
    BootChecksCompleted,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderSubmitted,
    ProtectionPlaced,
)
from schemas.positions import PositionClosed, PositionOpened
from tests.executor.harness import Harness, live_executor, wait_for


@pytest.fixture(autouse=True)
def _fast_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-binance polls recv() with a 10 s timeout and waits for it on exit; 1 s keeps the suite fast.
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)


def open_trade(h: Harness, side: str, setup_id: str, **kw: Any) -> None:
    h.set_book("100000.0", "100000.1")
    h.approve(side, setup_id, ref="100000.1" if side == "LONG" else "100000.0", **kw)
    h.wait("OrderAccepted", client_order_id=_cid(h, setup_id, "el"))
    if side == "LONG":
        h.set_book("99999.9", "100000.0")  # the ask comes down to our bid
    else:
        h.set_book("100000.1", "100000.2")  # the bid comes up to our ask
    h.wait("ProtectionPlaced", count=2, setup_id=setup_id)


def _cid(h: Harness, setup_id: str, leg: str) -> str:
    submitted = h.wait("OrderSubmitted", setup_id=setup_id, purpose="ENTRY")
    first = submitted[0]
    assert isinstance(first, OrderSubmitted)
    return first.client_order_id[:-2] + leg


def close_by(h: Harness, reason: str, side: str, setup_id: str) -> PositionClosed:
    up = side == "LONG"
    if reason == "TP":
        h.set_book(*(("100400.0", "100400.1") if up else ("99600.0", "99600.1")))
    elif reason == "SL":
        h.set_book(*(("99500.0", "99500.1") if up else ("100500.0", "100500.1")))
    elif reason == "FLATTEN":
        h.flatten(f"flat-{setup_id}")
    closed = h.wait("PositionClosed", timeout=15, setup_id=setup_id)[0]
    assert isinstance(closed, PositionClosed)
    return closed


def test_live_when_each_exit_happens_long_and_short_trades_close_with_that_reason(redis_url: str) -> None:
    with live_executor(redis_url) as h:
        boot = h.wait("BootChecksCompleted")[0]
        assert isinstance(boot, BootChecksCompleted) and boot.ok and boot.venue == "live"
        assert {f.symbol for f in boot.filters} == {"BTCUSDT", "ETHUSDT"}
        for reason in ("TP", "SL", "TIME_STOP", "FLATTEN"):
            for side in ("LONG", "SHORT"):
                setup_id = f"{side.lower()}-{reason.lower()}"
                kw: dict[str, Any] = {"time_stop_seconds": 1} if reason == "TIME_STOP" else {}
                open_trade(h, side, setup_id, **kw)
                algos = h.rest("/fapi/v1/openAlgoOrders", {"symbol": "BTCUSDT"})
                assert sorted(a["orderType"] for a in algos) == ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
                assert all(a["closePosition"] for a in algos)
                closed = close_by(h, reason, side, setup_id)
                assert closed.reason == reason and closed.side == side and closed.qty == Decimal("0.010")
                assert closed.fees_usdt > 0
                if reason == "TP":
                    assert closed.pnl_usdt > 0
                if reason == "SL":
                    assert closed.pnl_usdt < 0
                h.wait("OrderCanceled", count=1, setup_id=setup_id)
                assert _wait_no_algos(h)
                positions = h.rest("/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})
                assert all(Decimal(p["positionAmt"]) == 0 for p in positions)
        assert len(h.payloads("AccountUpdated")) >= 9


def _wait_no_algos(h: Harness) -> bool:
    return bool(wait_for(lambda: h.rest("/fapi/v1/openAlgoOrders", {"symbol": "BTCUSDT"}) == [] or None))


def test_live_when_limit_partly_fills_and_times_out_the_rest_goes_at_market(redis_url: str) -> None:
    with live_executor(redis_url) as h:
        h.wait("BootChecksCompleted")
        h.approve("LONG", "partial", entry_fill_timeout_ms=600)
        h.wait("OrderAccepted", setup_id="partial")
        h.set_book("99999.9", "100000.0", ask_qty="0.004")  # only 0.004 offered at our price
        fills = h.wait("OrderFilled", count=2, timeout=10, setup_id="partial", purpose="ENTRY")
        assert [(f.fill_qty, f.maker) for f in fills if isinstance(f, OrderFilled)] == [
            (Decimal("0.004"), True), (Decimal("0.006"), False)]
        opened = h.wait("PositionOpened", setup_id="partial")[0]
        assert opened.qty == Decimal("0.010")  # type: ignore[attr-defined]
        types = [o.type for o in h.sim_orders("lf-")]
        assert types == ["LIMIT", "MARKET"]
        h.flatten("flat-partial")
        closed = h.wait("PositionClosed", setup_id="partial")[0]
        assert closed.reason == "FLATTEN"  # type: ignore[attr-defined]
        assert h.wait("FlattenCompleted")


def test_live_when_market_remainder_moves_the_average_stop_and_tp_are_replaced_before_the_old_go(
        redis_url: str) -> None:
    with live_executor(redis_url) as h:
        h.wait("BootChecksCompleted")
        h.approve("LONG", "rebase", entry_fill_timeout_ms=2_000)
        h.wait("OrderAccepted", setup_id="rebase")
        h.set_book("99999.9", "100000.0", ask_qty="0.004")  # 0.004 at our bid: first stop/TP from 100000.0
        h.set_book("100100.0", "100100.1")  # the market runs away: the remainder is bought at 100100.1
        opened = h.wait("PositionOpened", setup_id="rebase")[0]
        avg = (Decimal("0.004") * Decimal("100000.0") + Decimal("0.006") * Decimal("100100.1")) / Decimal("0.010")
        tick = Decimal("0.1")
        stop = (avg * (1 - Decimal("0.0045")) / tick).to_integral_value(ROUND_CEILING) * tick
        tp = (avg * (1 + Decimal("0.0035")) / tick).to_integral_value(ROUND_CEILING) * tick
        assert isinstance(opened, PositionOpened) and opened.entry_price == avg
        assert (opened.stop_price, opened.take_profit_price) == (stop, tp) == (Decimal("99609.8"), Decimal("100410.3"))
        placed = [p for p in h.wait("ProtectionPlaced", count=4, setup_id="rebase") if isinstance(p, ProtectionPlaced)]
        assert sorted(p.trigger_price for p in placed) == sorted([Decimal("99550.0"), Decimal("100350.0"), stop, tp])
        assert wait_for(lambda: h.open_algos() == [("STOP_MARKET", stop), ("TAKE_PROFIT_MARKET", tp)])
        # make before break: each old exit is cancelled only after its replacement was accepted
        olds = [next(p.client_order_id for p in placed if p.client_order_id.endswith(f"-{leg}"))
                for leg in ("sl", "tp")]
        assert wait_for(lambda: all(  # the exchange may show the cancel before its report is on the stream
            any(isinstance(e.payload, OrderCanceled) and e.payload.client_order_id == old for e in h.executions())
            for old in olds))
        events = [e.payload for e in h.executions()]
        for old in olds:
            accepted = _index(events, OrderAccepted, old + "2")
            canceled = _index(events, OrderCanceled, old)
            assert accepted < canceled
        assert h.payloads("IncidentReported") == []
        h.set_book("99600.0", "99600.1")  # below the new stop, above the old one
        closed = h.wait("PositionClosed", setup_id="rebase")[0]
        assert isinstance(closed, PositionClosed) and closed.reason == "SL"


def _index(events: list[Any], type_: type[OrderAccepted | OrderCanceled], cid: str) -> int:
    return next(i for i, p in enumerate(events) if isinstance(p, type_) and p.client_order_id == cid)
