"""An ExchangeRecorder that survives the faults a drill injects into the simulator: a dropped or closed
private WebSocket is reopened at once (same listen key while it is active, a new one after it expired).
The gaps are kept (wall clock), so a report can say how long the record was blind.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import orjson
import websockets

from simulator.config import DOCS_API_KEY
from tests.e2e.exchange import ExchangeRecorder


@dataclass
class ResilientRecorder(ExchangeRecorder):
    listen_key: str = ""
    gaps: list[tuple[float, float]] = field(default_factory=list)  # wall-clock (disconnected, reconnected)

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
