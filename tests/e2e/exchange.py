"""The exchange's own record of orders and fills: a second account key on the simulator's user-data
stream (the simulator publishes every account event to every active listen key), recorded from the
start of a session. Used only in live mode, where the executor really sends orders to the simulator.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import orjson
import websockets

from simulator.config import DOCS_API_KEY


@dataclass
class ExchangeRecorder:
    sim_url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, timeout: float = 20) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="exchange-recorder",
                                        daemon=True)
        self._thread.start()
        if not self.connected.wait(timeout):
            raise AssertionError("exchange recorder did not connect to the simulator's user-data stream")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    async def _run(self) -> None:
        async with httpx.AsyncClient(base_url=self.sim_url, headers={"X-MBX-APIKEY": DOCS_API_KEY}) as http:
            key = (await http.post("/fapi/v1/listenKey")).json()["listenKey"]
            ws_url = self.sim_url.replace("http", "ws") + f"/private/ws/{key}"
            async with websockets.connect(ws_url, ping_interval=None) as ws:
                self.connected.set()
                while not self._stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    msg = orjson.loads(raw)
                    self.events.append(msg.get("data", msg))

    # -- what the exchange saw ------------------------------------------------------------------
    def order_updates(self) -> list[dict[str, Any]]:
        return [e["o"] for e in self.events if e.get("e") == "ORDER_TRADE_UPDATE"]

    def new_client_ids(self) -> Counter[str]:
        """How many times each client order id was accepted as a NEW order."""
        return Counter(o["c"] for o in self.order_updates() if o["x"] == "NEW")

    def fills(self) -> list[dict[str, Any]]:
        """Every execution: client id, trade id, qty, price."""
        return [{"cid": o["c"], "trade_id": o["t"], "qty": Decimal(o["l"]), "price": Decimal(o["L"])}
                for o in self.order_updates() if o["x"] == "TRADE"]
