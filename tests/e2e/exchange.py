"""The exchange's own record of orders and fills: a second account key on the simulator's user-data
stream (the simulator publishes every account event to every active listen key), recorded from the
start of a session. Used only in live mode, where the executor really sends orders to the simulator.
It survives the faults drills inject: a dropped or closed private WebSocket is reopened at once (the same
listen key while it is active, a new one after it expired), and the gaps are kept (wall clock) so a report
can say how long the record was blind.
"""

from __future__ import annotations

import asyncio
import threading
import time
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
    listen_key: str = ""
    gaps: list[tuple[float, float]] = field(default_factory=list)  # wall-clock (disconnected, reconnected)

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
            lost_at: float | None = None
            while not self._stop.is_set():
                try:
                    # POST returns the account's active key, or a new one once it expired
                    self.listen_key = (await http.post("/fapi/v1/listenKey")).json()["listenKey"]
                    url = self.sim_url.replace("http", "ws") + f"/private/ws/{self.listen_key}"
                    async with websockets.connect(url, ping_interval=None) as ws:
                        if lost_at is not None:
                            self.gaps.append((lost_at, time.time()))
                            lost_at = None
                        self.connected.set()
                        await self._read(ws)
                except (OSError, websockets.WebSocketException, httpx.HTTPError, KeyError):
                    await asyncio.sleep(0.05)
                if lost_at is None:
                    lost_at = time.time()

    async def _read(self, ws: websockets.ClientConnection) -> None:
        while not self._stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            msg = orjson.loads(raw)
            event = msg.get("data", msg)
            self.events.append(event)
            if event.get("e") == "listenKeyExpired":
                return  # reconnect with a new key

    # -- what the exchange saw ------------------------------------------------------------------
    def order_updates(self) -> list[dict[str, Any]]:
        return [e["o"] for e in self.events if e.get("e") == "ORDER_TRADE_UPDATE"]

    def new_client_ids(self) -> Counter[str]:
        """How many times each client order id was accepted as a NEW order."""
        return Counter(o["c"] for o in self.order_updates() if o["x"] == "NEW")

    def fills(self) -> list[dict[str, Any]]:
        """Every execution (CALCULATED: a liquidation's): client id (a triggered algo order's fills under its
        clientAlgoId, whatever client id its engine order carries), trade id, symbol, time, qty, price."""
        engine = {str(e["o"]["ai"]): e["o"]["caid"] for e in self.events
                  if e.get("e") == "ALGO_UPDATE" and e["o"].get("ai")}  # a triggered algo's engine order
        return [{"cid": engine.get(str(o["i"]), o["c"]), "trade_id": o["t"], "symbol": o["s"], "time": int(o["T"]),
                 "qty": Decimal(o["l"]), "price": Decimal(o["L"])}
                for o in self.order_updates() if o["x"] in ("TRADE", "CALCULATED")]

    def positions(self) -> dict[str, Decimal]:
        """Each symbol's position at the end of the record (the last ACCOUNT_UPDATE that named it)."""
        amount: dict[str, Decimal] = {}
        for e in self.events:
            if e.get("e") == "ACCOUNT_UPDATE":
                amount.update({p["s"]: Decimal(p["pa"]) for p in e["a"].get("P") or []})
        return amount
