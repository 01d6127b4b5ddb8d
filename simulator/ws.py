"""WebSocket endpoints: ``/{public,market,private}/ws/...`` (raw), ``/{route}/stream?streams=`` (combined),
legacy root ``/ws/...`` and ``/stream`` (which, like Binance since 2026-04-23, only carry /public data),
and the live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY protocol."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from loguru import logger

from simulator.config import SimConfig
from simulator.events import Route
from simulator.hub import Connection, Hub
from simulator.listen_keys import ListenKeys

_ROUTES: dict[str, Route] = {"public": "public", "market": "market", "private": "private"}
_METHODS = "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"


class WsEndpoints:
    def __init__(self, config: SimConfig, hub: Hub, listen_keys: ListenKeys) -> None:
        self._config = config
        self._hub = hub
        self._keys = listen_keys

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(r"/{route:public|market|private}/ws", self.handle)
        app.router.add_get(r"/{route:public|market|private}/ws/{streams:.*}", self.handle)
        app.router.add_get(r"/{route:public|market|private}/stream", self.handle)
        app.router.add_get(r"/ws/{streams:.*}", self.handle)
        app.router.add_get("/stream", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        route = _ROUTES.get(request.match_info.get("route", "public"), "public")
        combined = request.path.rstrip("/").endswith("/stream")
        ws = web.WebSocketResponse(heartbeat=self._config.ping_interval_s, autoping=True, timeout=2.0)
        await ws.prepare(request)
        conn = Connection(ws, request, route, combined)
        self._hub.add(conn)
        names = [s for s in request.match_info.get("streams", "").split("/") if s]
        names += [s for s in request.query.get("streams", "").split("/") if s]
        if route == "private":
            keys = request.query.getall("listenKey", []) + names
            for lk in keys:
                if self._keys.is_active(lk):
                    self._hub.attach_listen_key(conn, lk)
                else:
                    logger.info("private connection with unknown/expired listenKey {}…", lk[:8])
        else:
            self._hub.subscribe(conn, names)
        writer = asyncio.create_task(self._hub.writer(conn))
        max_age = asyncio.get_running_loop().call_later(
            self._config.max_connection_age_s, lambda: asyncio.ensure_future(ws.close(code=1001))
        )
        inbound: deque[float] = deque()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                now = time.monotonic()
                inbound.append(now)
                while inbound and inbound[0] < now - 1.0:
                    inbound.popleft()
                if len(inbound) > self._config.max_inbound_msgs_per_s:
                    logger.info(
                        "closing {} connection: more than {} messages/s",
                        route,
                        self._config.max_inbound_msgs_per_s,
                    )
                    await ws.close(code=1008, message=b"Too many requests")
                    break
                reply = self._command(conn, msg.data)
                if reply is not None:
                    await ws.send_str(orjson.dumps(reply).decode())
        finally:
            max_age.cancel()
            self._hub.remove(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    def _command(self, conn: Connection, text: str) -> dict[str, Any] | None:
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
        if not isinstance(req, dict):
            return {"code": 3, "msg": "Invalid JSON: expected an object"}
        req_id = req.get("id")
        if not isinstance(req_id, int) or isinstance(req_id, bool) or req_id < 0:
            return {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
        method = req.get("method")
        params = req.get("params", [])
        if not isinstance(params, list):
            return {"code": 2, "msg": "Invalid request: invalid type: expected a sequence", "id": req_id}
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: invalid type: expected a string", "id": req_id}
            if method == "SUBSCRIBE":
                self._subscribe(conn, params)
            else:
                self._hub.unsubscribe(conn, params)
            return {"result": None, "id": req_id}
        if method == "LIST_SUBSCRIPTIONS":
            names = list(conn.subscriptions.values()) + sorted(conn.listen_keys)
            return {"result": names, "id": req_id}
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            return self._property(conn, method, params, req_id)
        return {
            "code": 2,
            "msg": f"Invalid request: unknown variant `{method}`, expected one of {_METHODS}",
            "id": req_id,
        }

    def _subscribe(self, conn: Connection, params: list[str]) -> None:
        if conn.route == "private":
            for p in params:
                lk = p.split("@")[0]
                if self._keys.is_active(lk):
                    self._hub.attach_listen_key(conn, lk)
                else:
                    self._hub.subscribe(conn, [p])
        else:
            self._hub.subscribe(conn, params)

    def _property(self, conn: Connection, method: str, params: list[Any], req_id: int) -> dict[str, Any]:
        if not params or params[0] != "combined":
            return {"code": 0, "msg": "Unknown property", "id": req_id}
        if method == "GET_PROPERTY":
            return {"result": conn.combined, "id": req_id}
        if len(params) < 2 or not isinstance(params[1], bool):
            return {"code": 1, "msg": "Invalid value type: expected Boolean", "id": req_id}
        conn.combined = params[1]
        return {"result": None, "id": req_id}
