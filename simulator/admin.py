"""``/_sim/*`` admin endpoints and the one function that applies a fault, live or from a scenario.

Fault JSON (``POST /_sim/fault``; the same objects go in a scenario's ``faults`` list with ``at_s``)::

    {"action": "drop_connections", "route": "market"}          # route optional: all routes
    {"action": "close", "code": 1001, "route": "public"}       # close frames with that code
    {"action": "silence", "route": "market", "seconds": 30}    # route or "all"; virtual seconds
    {"action": "delay", "route": "public", "ms": 500}          # ms 0 clears
    {"action": "rest_error", "kind": "unknown", "count": 2, "path": "/fapi/v1/order"}
        # kind: unknown (503, not executed) | unknown_placed (executed, then 503) |
        #       service_unavailable (503) | throttled (-1008, reduce-only/closePosition exempt)
        #       gateway_html (a proxy's 502 HTML page echoing the request line, not executed)
    {"action": "rest_slow", "path": "/fapi/v2/account", "seconds": 3, "count": 1}  # answered late
    {"action": "rate_limit", "seconds": 10, "ban_after": 3, "ban_seconds": 120}   # 429, then 418
    {"action": "listen_key_expired", "listenKey": "..."}       # listenKey optional: all keys
    {"action": "trigger_play", "order": "fill_first", "engine_client_id": "ours"}
        # order: triggered_first | fill_first | finished_first; engine_client_id: ours | own (each optional)
    {"action": "refuse_trigger", "outcome": "REJECTED", "reason": "Reduce Only reject", "count": 1,
     "type": "STOP_MARKET"}   # the next matching triggers end TRIGGERING then REJECTED|EXPIRED (rm = reason);
                              # type optional (any algo type)
    {"action": "deny_algo_queries", "count": 2}                # or "seconds": 5 (virtual): GET/DELETE
        # /fapi/v1/algoOrder answer -2013 / -2011 although the order exists
    {"action": "force_close", "symbol": "BTCUSDT", "kind": "liquidation", "price": "99000.0"}
        # kind: liquidation | adl; price optional (default: the mark)
    {"action": "funding", "rate": "0.0001"}                    # charge funding now; rate optional
    {"action": "account", "fee_asset": "BNB", ...}             # the account object of simulator.exchange
    {"action": "clear"}                                        # every fault off (queued refusals, denials too)

``POST /_sim/account`` takes the account object alone and answers the resulting settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import orjson
from aiohttp import web
from loguru import logger

from simulator.events import Route
from simulator.faults import RestFaultKind, RestFaults
from simulator.http import json_response
from simulator.hub import ROUTES, Hub

StateFn = Callable[[], dict[str, Any]]
ExpireFn = Callable[[str | None], int]
ExchangeFaultFn = Callable[[dict[str, Any]], dict[str, Any] | None]  # None: not an exchange action
ConfigureFn = Callable[[dict[str, Any]], dict[str, Any]]


class FaultError(ValueError):
    pass


def _route(fault: dict[str, Any], allow_all: bool = True) -> Route | None:
    raw = fault.get("route")
    if raw is None or (allow_all and raw == "all"):
        return None
    if raw not in ROUTES:
        raise FaultError(f"route must be one of {ROUTES} or 'all', not {raw!r}")
    return cast(Route, raw)


class FaultInjector:
    def __init__(
        self,
        hub: Hub,
        rest: RestFaults,
        now_ms: Callable[[], int],
        expire_keys: ExpireFn,
        exchange_fault: ExchangeFaultFn,
    ) -> None:
        self._hub = hub
        self._rest = rest
        self._now = now_ms
        self._expire_keys = expire_keys
        self._exchange_fault = exchange_fault

    async def apply(self, fault: dict[str, Any]) -> dict[str, Any]:
        action = fault.get("action")
        logger.info("fault: {}", fault)
        if action == "drop_connections":
            return {"affected": self._hub.drop_all(_route(fault))}
        if action == "close":
            code = int(fault.get("code", 1001))
            return {"affected": await self._hub.close_all(code, _route(fault), str(fault.get("message", "")))}
        if action == "silence":
            until = self._now() + int(float(fault.get("seconds", 0)) * 1000)
            route = _route(fault)
            for r in ROUTES if route is None else (route,):
                self._hub.faults[r].silent_until_ms = until
            return {"silent_until_ms": until}
        if action == "delay":
            route = _route(fault)
            for r in ROUTES if route is None else (route,):
                self._hub.faults[r].delay_ms = int(fault.get("ms", 0))
            return {"delay_ms": int(fault.get("ms", 0))}
        if action == "rest_error":
            kind = fault.get("kind")
            if kind not in ("unknown", "unknown_placed", "service_unavailable", "throttled", "gateway_html"):
                raise FaultError(f"unknown rest_error kind {kind!r}")
            self._rest.queue(cast(RestFaultKind, kind), int(fault.get("count", 1)), fault.get("path"))
            return {"queued": int(fault.get("count", 1))}
        if action == "rest_slow":
            self._rest.slow_down(str(fault.get("path", "/fapi/")), float(fault.get("seconds", 1)),
                                 int(fault.get("count", 1)))
            return {"slow": float(fault.get("seconds", 1))}
        if action == "rate_limit":
            self._rest.rate_limit(
                float(fault.get("seconds", 10)),
                int(fault.get("ban_after", 3)),
                int(fault.get("ban_seconds", 120)),
            )
            return {"rate_limited_s": float(fault.get("seconds", 10))}
        if action == "listen_key_expired":
            return {"affected": self._expire_keys(fault.get("listenKey"))}
        if action == "clear":
            self._rest.clear()
            for r in ROUTES:
                self._hub.faults[r].silent_until_ms = 0
                self._hub.faults[r].delay_ms = 0
        result = self._exchange_fault(fault)
        if result is None:
            raise FaultError(f"unknown fault action {action!r}")
        return result


class AdminEndpoints:
    def __init__(
        self,
        injector: FaultInjector,
        state: StateFn,
        play: Callable[[], Awaitable[bool]],
        set_speed: Callable[[float], None],
        configure_account: ConfigureFn,
    ) -> None:
        self._injector = injector
        self._state = state
        self._play = play
        self._set_speed = set_speed
        self._configure_account = configure_account

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/_sim/account", self.account)
        app.router.add_post("/_sim/fault", self.fault)
        app.router.add_get("/_sim/state", self.state)
        app.router.add_post("/_sim/play", self.play)
        app.router.add_post("/_sim/speed", self.speed)

    async def fault(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
            if not isinstance(body, dict):
                raise FaultError("body must be a JSON object")
            result = await self._injector.apply(body)
        except (FaultError, orjson.JSONDecodeError, TypeError, ValueError) as exc:
            return json_response({"ok": False, "error": str(exc)}, status=400)
        return json_response({"ok": True, **result})

    async def account(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
            if not isinstance(body, dict):
                raise FaultError("body must be a JSON object")
            result = self._configure_account(body)
        except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
            return json_response({"ok": False, "error": str(exc)}, status=400)
        return json_response({"ok": True, **result})

    async def state(self, request: web.Request) -> web.Response:
        return json_response(self._state())

    async def play(self, request: web.Request) -> web.Response:
        return json_response({"ok": True, "started": await self._play()})

    async def speed(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
            self._set_speed(float(body["speed"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            return json_response({"ok": False, "error": str(exc)}, status=400)
        return json_response({"ok": True})
