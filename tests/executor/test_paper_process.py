"""`TRADING_MODE=paper liqfade run executor` as a real process: boot, a trade, the health check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from schemas.commands import HealthCheckRequested
from schemas.orders import BootChecksCompleted, HealthCheckResult
from schemas.positions import PositionClosed, PositionOpened
from tests.executor.events import approved, book
from tests.executor.harness import Bus, Harness, simulator


@contextmanager
def paper_process(redis_url: str, base_url: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "TRADING_MODE": "paper", "REDIS_URL": redis_url, "BINANCE_FUTURES_BASE_URL": base_url}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "executor"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(15)


def quote(h: Harness, bid: str, ask: str, ask_qty: str = "5") -> None:
    h.command(book(0, bid, ask, ask_qty=ask_qty).payload)


def test_paper_process_when_fed_a_book_and_an_entry_boots_from_exchange_info_and_trades_to_tp(
        redis_url: str) -> None:
    with simulator() as sim:
        h = Harness(sim, redis_url)
        with paper_process(redis_url, h.running.base_url) as proc:
            boot = h.wait("BootChecksCompleted", timeout=30)[0]
            assert isinstance(boot, BootChecksCompleted) and boot.ok and boot.venue == "paper"
            filters_check = next(c for c in boot.checks if c.name == "filters")
            assert filters_check.detail == f"exchangeInfo of {h.running.base_url}"
            btc = next(f for f in boot.filters if f.symbol == "BTCUSDT")
            assert (btc.tick_size, btc.step_size, btc.min_notional) == (Decimal("0.10"), Decimal("0.001"),
                                                                        Decimal("100"))
            quote(h, "100000.0", "100000.1")
            h.command(approved(0, "LONG", "0.010", "100000.1", setup_id="paper-1").payload)
            h.wait("OrderAccepted", setup_id="paper-1")
            quote(h, "99999.9", "100000.0")  # the ask comes down to our bid
            opened = h.wait("PositionOpened", setup_id="paper-1")[0]
            assert isinstance(opened, PositionOpened) and opened.entry_price == Decimal("100000.0")
            assert opened.take_profit_price == Decimal("100350.0")
            h.wait("ProtectionPlaced", count=2, setup_id="paper-1")
            quote(h, "100400.0", "100400.1")  # mid above the take profit
            closed = h.wait("PositionClosed", setup_id="paper-1")[0]
            assert isinstance(closed, PositionClosed) and closed.reason == "TP" and closed.pnl_usdt > 0
            assert closed.qty == Decimal("0.010")
            request = HealthCheckRequested(idempotency_key="paper-hc", actor="test")
            h.command(request)
            h.command(request)
            h.command(HealthCheckRequested(idempotency_key="paper-hc-2", actor="test"))
            h.wait("HealthCheckResult", idempotency_key="paper-hc-2")
            results = h.payloads("HealthCheckResult", idempotency_key="paper-hc")
            assert len(results) == 1 and isinstance(results[0], HealthCheckResult) and results[0].ok
            assert {c.name for c in results[0].checks} == {"connectivity", "clock_skew", "permissions", "rate_limit"}
            assert proc.poll() is None


def test_paper_process_when_no_exchange_info_answers_boots_on_built_in_filters(redis_url: str) -> None:
    with paper_process(redis_url, "http://127.0.0.1:9"):  # the discard port: nothing answers
        boot = Bus(redis_url).wait("BootChecksCompleted", timeout=30)[0]
    assert isinstance(boot, BootChecksCompleted) and boot.ok and boot.venue == "paper"
    assert next(c for c in boot.checks if c.name == "filters").detail.startswith("built-in defaults")
    assert {f.symbol for f in boot.filters} == {"BTCUSDT", "ETHUSDT"}
