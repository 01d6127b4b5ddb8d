"""Seed a liqfade stack with realistic events for the dashboard tests, through the real streams.

Run with the repo's venv: `.venv/bin/python dashboard/tests/support/seed.py <command>` and REDIS_URL set.
The events are built from `schemas/` (so a schema change breaks this loudly) and XADDed to their
streams; the running projector turns them into the rows the API reads.

Commands:
  base           a day of history: setups (passed and rejected), closed trades, logs, a notifier report
  open-position  an open position (for the overview); `close-position <setup_id>` closes it
"""

from __future__ import annotations

import os
import sys
import time
from decimal import Decimal

import schemas  # noqa: F401  (registers every event type)
from runtime.bus import append, connect
from schemas.envelope import Envelope, Payload, derive_id
from schemas.positions import PositionClosed, PositionOpened
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.system import LogRecorded, NotificationSent
from schemas.types import ExitReason, RejectReason

SOURCES = {"signals": "strategy", "executions": "executor", "logs": "executor"}
MINUTE = 60_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def envelope(payload: Payload, ts: int, correlation: str | None = None) -> Envelope:
    return Envelope(
        id=derive_id(f"dashboard-seed/{payload.TYPE}/{correlation}/{ts}", 0, ts),
        type=payload.TYPE,
        v=payload.VERSION,
        ts=ts,
        source=SOURCES.get(payload.STREAM, "seed"),
        correlation_id=correlation,
        payload=payload,
    )


def setup_id(symbol: str, side: str, ts: int) -> str:
    return f"{symbol}-{side}-{ts}"


def detected(symbol: str, side: str, ts: int, liq: int) -> Envelope:
    sid = setup_id(symbol, side, ts)
    threshold = Decimal(2_500_000 if symbol == "BTCUSDT" else 1_250_000)
    return envelope(
        SetupDetected(setup_id=sid, symbol=symbol, side=side, liq_usd=Decimal(liq), liq_count=7,
                      window_start_ts=ts - MINUTE, trigger_ts=ts, threshold_usd=threshold),
        ts, sid,
    )


def rejected(symbol: str, side: str, ts: int, liq: int, reason: RejectReason, detail: str,
             measured: dict[str, str]) -> list[Envelope]:
    sid = setup_id(symbol, side, ts)
    return [
        detected(symbol, side, ts, liq),
        envelope(SetupRejected(setup_id=sid, symbol=symbol, side=side, reason=reason, detail=detail,
                               liq_usd=Decimal(liq), measured=measured), ts + 2 * MINUTE, sid),
    ]


def trade(symbol: str, side: str, ts: int, entry: str, exit_: str, qty: str, reason: ExitReason,
          hold_s: int, funding: str = "0", bnb_price: str | None = None) -> list[Envelope]:
    """A setup that became a trade. `bnb_price`: its commissions were paid in BNB at that price."""
    sid = setup_id(symbol, side, ts)
    e, x, q = Decimal(entry), Decimal(exit_), Decimal(qty)
    sign = 1 if side == "LONG" else -1
    fees = (e * q + x * q) * Decimal("0.0004")
    pnl = sign * (x - e) * q - fees + Decimal(funding)
    charged = ({"BNB": (fees / Decimal(bnb_price)).quantize(Decimal("0.00000001"))} if bnb_price
               else {"USDT": fees.quantize(Decimal("0.0001"))})
    opened, closed = ts + 3 * MINUTE, ts + 3 * MINUTE + hold_s * 1000
    bid, ask = e - Decimal("0.1"), e + Decimal("0.1")
    return [
        detected(symbol, side, ts, 3_400_000),
        envelope(SetupConfirmed(setup_id=sid, symbol=symbol, side=side, liq_usd=Decimal(3_400_000),
                                volume=Decimal(1800), avg_volume=Decimal(600), volume_mult=3.0,
                                spread_bps=0.4, impulse_move_pct=0.8, extreme_price=e - 40,
                                bid=bid, ask=ask, exhaustion_candles=2), ts + 2 * MINUTE, sid),
        envelope(PositionOpened(setup_id=sid, symbol=symbol, side=side, qty=q, entry_price=e,
                                stop_price=e * (1 - sign * Decimal("0.0045")),
                                take_profit_price=e * (1 + sign * Decimal("0.0035")),
                                opened_ts=opened, time_stop_ts=opened + 150_000), opened, sid),
        envelope(PositionClosed(setup_id=sid, symbol=symbol, side=side, reason=reason, qty=q,
                                entry_price=e, exit_price=x, pnl_usdt=pnl.quantize(Decimal("0.0001")),
                                pnl_pct=(pnl / (e * q)).quantize(Decimal("0.000001")),
                                fees_usdt=fees.quantize(Decimal("0.0001")), slippage_bps=Decimal("0.8"),
                                opened_ts=opened, closed_ts=closed, duration_ms=closed - opened,
                                funding_usdt=Decimal(funding), fees_by_asset=charged), closed, sid),
    ]


def log(level: str, message: str, ts: int, process: str = "executor", stack: str | None = None) -> Envelope:
    exc = ("BinanceAPIException", "APIError(code=-1021): Timestamp outside recvWindow") if stack else (None, None)
    return envelope(LogRecorded(level=level, process=process, message=message, module=f"{process}.runner",
                                exc_type=exc[0], exc_message=exc[1], stack=stack), ts)


STACK = """Traceback (most recent call last):
  File "/app/runtime/runner.py", line 142, in _step
    decision = self.core.decide(state, event, now)
  File "/app/executor/live.py", line 88, in submit
    response = await self.client.futures_create_order(**params)
  File "/app/executor/binance.py", line 57, in _signed
    raise BinanceAPIException(response, status, text)
binance.exceptions.BinanceAPIException: APIError(code=-1021): Timestamp outside recvWindow"""


def base(now: int) -> list[Envelope]:
    h = 3_600_000
    out: list[Envelope] = []
    out += rejected("BTCUSDT", "LONG", now - 5 * h, 2_900_000, RejectReason.VOLUME,
                    "volume 1.4x < 2.0x", {"volume_mult": "1.4"})
    out += rejected("ETHUSDT", "SHORT", now - 4 * h, 1_600_000, RejectReason.SPREAD,
                    "spread 6.1 bps > 4 bps", {"spread_bps": "6.1"})
    out += rejected("BTCUSDT", "SHORT", now - 3 * h, 2_700_000, RejectReason.NO_EXHAUSTION,
                    "no exhaustion within 600 s", {})
    out += trade("BTCUSDT", "LONG", now - 150 * MINUTE, "64210.5", "64435.2", "0.004", ExitReason.TP, 97)
    out += trade("ETHUSDT", "SHORT", now - 110 * MINUTE, "3120.40", "3134.44", "0.09", ExitReason.SL, 64)
    out += trade("BTCUSDT", "SHORT", now - 70 * MINUTE, "64880.0", "64801.3", "0.004", ExitReason.TIME_STOP, 150)
    # closed by hand at the exchange, across a funding time, its fees paid in BNB
    out += trade("ETHUSDT", "LONG", now - 50 * MINUTE, "3101.20", "3104.10", "0.08", ExitReason.EXTERNAL, 170,
                 funding="-0.0412", bnb_price="600")
    out += [
        log("INFO", "executor booted: leverage 2x on BTCUSDT, ETHUSDT", now - 6 * h),
        log("WARNING", "book ticker silent for 12 s on ETHUSDT", now - 100 * MINUTE, "ingest"),
        log("ERROR", "order submit failed; querying by client id before any retry", now - 40 * MINUTE, stack=STACK),
        log("INFO", "setup BTCUSDT-SHORT confirmed", now - 71 * MINUTE, "strategy"),
        envelope(NotificationSent(kind="notifier_started", channel="none", status="disabled", attempts=0,
                                  dedup_key="notifier_started", message="notifier started",
                                  detail="no ALERT_WEBHOOK_URL"), now - 6 * h),
    ]
    return out


def open_position(now: int) -> list[Envelope]:
    """Opened 40 s ago; its setup id carries the open time so `close-position <setup_id>` can find it."""
    opened = now - 40_000
    sid = setup_id("ETHUSDT", "LONG", opened)
    return [envelope(PositionOpened(setup_id=sid, symbol="ETHUSDT", side="LONG", qty=Decimal("0.08"),
                                    entry_price=Decimal("3098.25"), stop_price=Decimal("3084.31"),
                                    take_profit_price=Decimal("3109.09"), opened_ts=opened,
                                    time_stop_ts=opened + 150_000), opened, sid)]


def close_position(now: int, sid: str) -> list[Envelope]:
    opened = int(sid.rsplit("-", 1)[1])
    return [envelope(PositionClosed(setup_id=sid, symbol="ETHUSDT", side="LONG", reason=ExitReason.FLATTEN,
                                    qty=Decimal("0.08"), entry_price=Decimal("3098.25"),
                                    exit_price=Decimal("3099.00"), pnl_usdt=Decimal("-0.14"),
                                    pnl_pct=Decimal("-0.000565"), fees_usdt=Decimal("0.20"),
                                    slippage_bps=Decimal("0.5"), opened_ts=opened, closed_ts=now,
                                    duration_ms=now - opened), now, sid)]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "base"
    now = now_ms()
    if command == "base":
        events = base(now)
    elif command == "open-position":
        events = open_position(now)
    elif command == "close-position" and len(argv) > 2:
        events = close_position(now, argv[2])
    else:
        sys.stderr.write(__doc__ or "")
        return 2
    client = connect(os.environ["REDIS_URL"])
    with client.pipeline(transaction=True) as pipe:
        append(pipe, events)
        pipe.execute()
    ids = sorted({e.correlation_id for e in events if e.correlation_id})
    sys.stdout.write(f"{command}: {len(events)} events {' '.join(ids)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
