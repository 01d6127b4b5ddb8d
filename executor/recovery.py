"""When the executor's own record is gone (Redis lost with its snapshot), the open trades PostgreSQL holds
(the projector's `positions`, and each trade's first order and approval from the audit log) are what boot
matches the exchange's positions against. Read-only; nothing else in the executor touches PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from loguru import logger
from psycopg.rows import dict_row

OPEN_TRADES = """
SELECT p.setup_id, p.symbol, p.side, p.qty, p.entry_price, p.stop_price, p.take_profit_price, p.opened_at,
       p.time_stop_at,
       (SELECT e.payload->>'client_order_id' FROM events e
         WHERE e.tier <> 'window' AND e.type = 'OrderSubmitted' AND e.correlation_id = p.setup_id
         ORDER BY e.seq LIMIT 1) AS first_cid,
       (SELECT e.payload FROM events e
         WHERE e.tier <> 'window' AND e.type = 'EntryApproved' AND e.correlation_id = p.setup_id
         ORDER BY e.seq LIMIT 1) AS approved
  FROM positions p
 WHERE p.status = 'OPEN'
 ORDER BY p.opened_at
"""


@dataclass(frozen=True)
class OpenTrade:
    setup_id: str
    symbol: str
    side: str
    qty: Decimal
    entry_price: Decimal
    stop_price: Decimal | None
    take_profit_price: Decimal | None
    opened_ms: int
    time_stop_ms: int
    key: str  # `lf-<key>-<leg>`: the client-id key of the trade's orders
    sl_pct: Decimal
    tp_pct: Decimal


def open_trades(database_url: str, timeout_s: int = 5) -> list[OpenTrade] | None:
    """The open trades PostgreSQL knows; None when it cannot be read (boot then says so)."""
    try:
        with psycopg.connect(database_url, row_factory=dict_row, connect_timeout=timeout_s) as conn:
            rows = conn.execute(OPEN_TRADES).fetchall()
    except psycopg.Error as exc:
        logger.error("open trades not readable from PostgreSQL: {}", type(exc).__name__)
        return None
    return [_trade(r) for r in rows]


def _trade(r: dict[str, Any]) -> OpenTrade:
    approved = r["approved"] or {}
    cid = r["first_cid"] or ""
    return OpenTrade(
        setup_id=r["setup_id"], symbol=r["symbol"], side=r["side"], qty=Decimal(r["qty"]),
        entry_price=Decimal(r["entry_price"] or 0), stop_price=_dec(r["stop_price"]),
        take_profit_price=_dec(r["take_profit_price"]), opened_ms=_ms(r["opened_at"]),
        time_stop_ms=_ms(r["time_stop_at"]), key=cid.split("-")[1] if cid.count("-") >= 2 else "",
        sl_pct=Decimal(str(approved.get("sl_pct", "0.0045"))), tp_pct=Decimal(str(approved.get("tp_pct", "0.0035"))))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _ms(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value is not None else 0
