"""`liqfade bench execution`: intent in → order sent, the live executor against the local simulator.

Each sample: XADD of an EntryApproved on `intents` → the simulator's matching core receives the entry
LIMIT (the executor's consumer hop, the core's decision and commit, the dispatcher, python-binance's
signed POST /fapi/v1/order). One intent in flight at a time. Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from loguru import logger

from bench.scratch import on_redis
from bench.stats import summary_us
from executor.runner import run_live
from runtime import bus
from runtime.settings import Settings
from schemas.config import BotConfig
from schemas.envelope import Envelope, derive_id
from schemas.market import BookTickerUpdated
from schemas.risk import EntryApproved, FlattenOrdered
from simulator.app import SimulatorThread
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, SimConfig


def _env(payload: Any, n: int, source: str) -> Envelope:
    now = int(time.time() * 1000)
    return Envelope(id=derive_id(f"bench/{source}/{time.time_ns()}", n, now), type=payload.TYPE, v=payload.VERSION,
                    ts=now, source=source, correlation_id=getattr(payload, "setup_id", None), payload=payload)


def _intent(n: int) -> EntryApproved:
    d = Decimal
    return EntryApproved(
        setup_id=f"bench-{n}", symbol="BTCUSDT", side="LONG", qty=d("0.002"), entry_price=d("100000.1"),
        stop_price=d("99550"), take_profit_price=d("100350"), equity=d(10000), risk_usdt=d(1),
        effective_risk_pct=d("0.0025"), margin_usdt=d(100), leverage=2, tp_pct=d("0.0035"), sl_pct=d("0.0045"),
        time_stop_seconds=150, entry_fill_timeout_ms=600_000, use_market_if_not_filled=False, config_version=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench execution")
    parser.add_argument("--n", type=int, default=50, help="intents to send (one at a time)")
    parser.add_argument("--redis-url", default="", help="a scratch Redis (default: a private redis-server)")
    args = parser.parse_args(argv)
    logger.remove()
    return on_redis(args.redis_url, lambda url: measure(url, args.n))


def measure(redis_url: str, count: int) -> int:
    client = bus.connect(redis_url)
    received: dict[str, int] = {}
    thread = SimulatorThread(SimConfig(port=0, speed=0, autoplay=False))
    with thread as sim:
        inner = sim.sim
        original = inner.trading.account.new_order

        def timed(*a: Any, **kw: Any) -> Any:
            received.setdefault(str(a[7] if len(a) > 7 else kw.get("client_id")), time.perf_counter_ns())
            return original(*a, **kw)

        inner.trading.account.new_order = timed  # type: ignore[method-assign]

        async def book() -> None:
            now = inner.clock.now_ms()
            inner.market.apply_raw_book({"s": "BTCUSDT", "b": "100000.0", "a": "100000.1", "B": "5", "A": "5",
                                         "u": now, "T": now})

        thread.call(book())
        bus.append(client, [_env(BookTickerUpdated(symbol="BTCUSDT", bid=Decimal("100000.0"), ask=Decimal("100000.1"),
                                                   bid_qty=Decimal(5), ask_qty=Decimal(5), update_id=1), 0, "bench")])
        settings = Settings(trading_mode="live", redis_url=redis_url, binance_futures_base_url=sim.base_url,
                            binance_api_key=DEFAULT_API_KEY, binance_api_secret=DEFAULT_API_SECRET,
                            jwt_secret="bench-only-secret")
        stop, ready = threading.Event(), threading.Event()
        worker = threading.Thread(target=lambda: asyncio.run(run_live(settings, BotConfig(), client, stop, ready)),
                                  daemon=True)
        worker.start()
        ready.wait(30)
        time.sleep(0.3)
        samples: list[int] = []
        for n in range(count):
            before = len(received)
            t0 = time.perf_counter_ns()
            bus.append(client, [_env(_intent(n), n, "governor")])
            deadline = time.monotonic() + 5
            while len(received) == before and time.monotonic() < deadline:
                time.sleep(0.0002)
            if len(received) > before:
                samples.append(max(received.values()) - t0)
        bus.append(client, [_env(FlattenOrdered(reason="bench done", actor="bench"), 0, "governor")])
        time.sleep(0.5)
        stop.set()
        worker.join(15)
    result = {"bench": "execution", "n": len(samples), "venue": "simulator",
              "intent_to_order_sent_ms": {k: round(v / 1000, 2) for k, v in summary_us(samples).items()}}
    print(orjson.dumps(result).decode())
    return 0 if samples else 1
