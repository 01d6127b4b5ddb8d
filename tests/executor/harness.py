"""The live executor (BinanceVenue) against the in-process simulator and a real Redis."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
import redis
from pydantic import SecretStr

from executor.runner import run_live
from runtime import bus
from runtime.core import Emit, envelopes
from runtime.settings import Settings
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.registry import FIELD, decode
from schemas.streams import EXECUTIONS
from simulator.app import RunningSimulator, SimulatorThread
from simulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, SimConfig
from tests.executor.events import approved, book, flatten
from tests.simulator.helpers import HEADERS, signed_query

NO_DATABASE = "postgresql://postgres@127.0.0.1:1/none"  # unreadable: the executor's rebuild finds no open trade


def live_settings(redis_url: str, base_url: str, database_url: str = NO_DATABASE) -> Settings:
    return Settings(trading_mode="live", redis_url=redis_url, database_url=database_url,
                    binance_futures_base_url=base_url,
                    binance_api_key=SecretStr(DEFAULT_API_KEY), binance_api_secret=SecretStr(DEFAULT_API_SECRET),
                    jwt_secret=SecretStr("test-only-secret-for-live-mode"))



class Bus:
    """The executor's streams as a test sees them: append inputs, read and wait for `executions`."""

    def __init__(self, redis_url: str) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.seq = 0

    def append(self, envelope: Envelope) -> None:
        bus.append(self.redis, [envelope])
        self._next_ms()

    def command(self, payload: Payload) -> None:
        """Any input payload, wrapped as the runtime wraps a core's outputs, onto its stream."""
        self.seq += 1
        now = int(time.time() * 1000)
        self.append(envelopes([Emit(payload)], source="test", cause_id=f"test/{self.seq}", now=now)[0])

    def _next_ms(self) -> None:
        """Stream ids are per stream: two entries on different streams in the same millisecond both get
        `<ms>-0` and the runner cannot tell which came first (it then takes `intents` before `md.*`).
        Waiting for Redis's clock to pass that millisecond makes the next input strictly later."""
        seconds, micros = self.redis.time()
        start = int(seconds) * 1000 + int(micros) // 1000
        while True:
            seconds, micros = self.redis.time()
            if int(seconds) * 1000 + int(micros) // 1000 > start:
                return

    def executions(self) -> list[Envelope]:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.redis.xrange(EXECUTIONS)  # type: ignore[assignment]
        return [decode(fields[FIELD]) for _, fields in entries]

    def payloads(self, type_: str, **match: Any) -> list[Payload]:
        out = []
        for e in self.executions():
            if e.type == type_ and all(getattr(e.payload, k) == v for k, v in match.items()):
                out.append(e.payload)
        return out

    def wait(self, type_: str, timeout: float = 10.0, count: int = 1, **match: Any) -> list[Payload]:
        def enough() -> list[Payload] | None:
            found = self.payloads(type_, **match)
            return found if len(found) >= count else None

        result: list[Payload] = wait_for(enough, timeout)
        return result


class Harness(Bus):
    def __init__(self, sim: SimulatorThread, redis_url: str) -> None:
        super().__init__(redis_url)
        self.sim = sim
        self.running: RunningSimulator = sim.running  # type: ignore[assignment]

    # --- market ------------------------------------------------------------------------------------
    def set_book(self, bid: str, ask: str, bid_qty: str = "5", ask_qty: str = "5", symbol: str = "BTCUSDT") -> None:
        """The simulator's book (matching) and `md.<SYMBOL>` (what the executor reads) move together."""
        inner = self.running.sim

        async def apply() -> None:
            now = inner.clock.now_ms()
            raw = {"s": symbol, "b": bid, "a": ask, "B": bid_qty, "A": ask_qty, "u": now, "T": now}
            inner.market.apply_raw_book(raw)
            inner.trading.on_book(symbol, Decimal(bid), Decimal(ask), now)

        self.sim.call(apply())
        self.seq += 1
        self.append(book(int(time.time() * 1000) + self.seq, bid, ask, bid_qty=bid_qty, ask_qty=ask_qty))

    def fault(self, fault: dict[str, Any]) -> None:
        self.sim.call(self.running.fault(fault))

    # --- bus ---------------------------------------------------------------------------------------
    def stream_connected(self) -> bool:
        """The executor's user-data stream is up, as it last reported (it refuses entries until then)."""
        changes = self.payloads("UserStreamChanged")
        return bool(changes) and bool(getattr(changes[-1], "connected", False))

    def approve(self, side: str, setup_id: str, qty: str = "0.010", ref: str = "100000.1", **kw: Any) -> None:
        """An approval once the user-data stream is up: BootChecksCompleted may come a moment before it, and
        an entry approved in between is refused ("user-data stream down"), as it must be."""
        wait_for(self.stream_connected, 15)
        kw.setdefault("entry_fill_timeout_ms", 5_000)
        self.seq += 1
        self.append(approved(int(time.time() * 1000) + self.seq, side, qty, ref, setup_id=setup_id, **kw))  # type: ignore[arg-type]

    def open_protected_long(self, setup_id: str) -> None:
        """Boot, approve a LONG, fill its entry at the exchange and wait for its stop and take-profit."""
        self.wait("BootChecksCompleted")
        self.approve("LONG", setup_id)
        self.wait("OrderAccepted", setup_id=setup_id)
        self.set_book("99999.9", "100000.0")
        self.wait("ProtectionPlaced", count=2, setup_id=setup_id)

    def flatten(self, key: str) -> None:
        self.append(flatten(int(time.time() * 1000), key))

    # --- the simulator's REST view -----------------------------------------------------------------
    def rest(self, path: str, params: dict[str, Any] | None = None, method: str = "GET") -> Any:
        """A signed call with the simulator's default key (an operator's own orders, or a look)."""
        url = f"{self.running.base_url}{path}?{signed_query(params or {})}"
        request = urllib.request.Request(url, headers=HEADERS, method=method)
        with urllib.request.urlopen(request, timeout=5) as resp:
            return orjson.loads(resp.read())

    def open_algos(self) -> list[tuple[str, Decimal]]:
        algos = self.rest("/fapi/v1/openAlgoOrders", {"symbol": "BTCUSDT"})
        return sorted((a["orderType"], Decimal(a["triggerPrice"])) for a in algos)

    def sim_orders(self, cid_prefix: str) -> list[Any]:
        acct = self.running.sim.trading.account
        return [o for o in acct.orders.values() if o.client_id.startswith(cid_prefix)]


def wait_for(fn: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s")


@contextmanager
def simulator() -> Iterator[SimulatorThread]:
    thread = SimulatorThread(SimConfig(port=0, speed=0, autoplay=False, kline_step_ms=15000))
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


@contextmanager
def live_executor(redis_url: str, config: BotConfig | None = None, sim: SimulatorThread | None = None,
                  database_url: str = NO_DATABASE) -> Iterator[Harness]:
    with simulator() if sim is None else _given(sim) as s:
        h = Harness(s, redis_url)
        h.set_book("100000.0", "100000.1")
        stop, ready = threading.Event(), threading.Event()
        settings = live_settings(redis_url, h.running.base_url, database_url)
        client = bus.connect(redis_url)
        thread = threading.Thread(
            target=lambda: asyncio.run(run_live(settings, config or BotConfig(mode="live"), client, stop, ready)),
            daemon=True)
        thread.start()
        assert ready.wait(30), "executor did not start"
        try:
            yield h
        finally:
            stop.set()
            thread.join(15)


@contextmanager
def _given(sim: SimulatorThread) -> Iterator[SimulatorThread]:
    yield sim
