"""Hand-built input events for the executor tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schemas.envelope import Envelope, Payload, derive_id
from schemas.market import BookTickerUpdated
from schemas.risk import EntryApproved, FlattenOrdered
from schemas.types import PositionSide, Symbol

T0 = 1_761_134_400_000  # 2025-10-22 12:00 UTC


def env(payload: Payload, ts: int, source: str = "test", correlation: str | None = None) -> Envelope:
    return Envelope(id=derive_id(f"{source}/{payload.TYPE}", ts, ts), type=payload.TYPE, v=payload.VERSION,
                    ts=ts, source=source, correlation_id=correlation, payload=payload)


def book(ts: int, bid: str, ask: str, symbol: Symbol = "BTCUSDT", bid_qty: str = "5", ask_qty: str = "5",
         update_id: int | None = None) -> Envelope:
    return env(BookTickerUpdated(symbol=symbol, bid=Decimal(bid), ask=Decimal(ask), bid_qty=Decimal(bid_qty),
                                 ask_qty=Decimal(ask_qty), update_id=update_id or ts), ts, "ingest")


def approved(ts: int, side: PositionSide, qty: str, ref: str, setup_id: str = "setup-1",
             symbol: Symbol = "BTCUSDT", **overrides: Any) -> Envelope:
    ref_d = Decimal(ref)
    fields: dict[str, Any] = {
        "setup_id": setup_id, "symbol": symbol, "side": side, "qty": Decimal(qty), "entry_price": ref_d,
        "stop_price": ref_d, "take_profit_price": ref_d, "equity": Decimal(1350), "risk_usdt": Decimal("3.375"),
        "effective_risk_pct": Decimal("0.0025"), "margin_usdt": Decimal(100), "leverage": 2,
        "tp_pct": Decimal("0.0035"), "sl_pct": Decimal("0.0045"), "time_stop_seconds": 150,
        "entry_fill_timeout_ms": 800, "use_market_if_not_filled": True, "config_version": 1,
    }
    fields.update(overrides)
    return env(EntryApproved(**fields), ts, "governor", correlation=setup_id)


def flatten(ts: int, key: str = "flat-1") -> Envelope:
    return env(FlattenOrdered(reason="operator", actor="test", idempotency_key=key), ts, "governor")
