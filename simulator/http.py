"""HTTP plumbing: Binance-shaped errors for every failure, weight headers, REST fault injection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from loguru import logger

from exchange.errors import BinanceError
from simulator import errors
from simulator.auth import merged_params
from simulator.faults import RestFaults, error_for

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PARAMS_KEY = web.RequestKey("params", dict)
BODY_KEY = web.RequestKey("body", str)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def error_response(err: BinanceError) -> web.Response:
    return json_response({"code": err.code, "msg": err.msg}, status=err.status, headers=err.headers)


def weight_of(method: str, path: str, params: dict[str, str]) -> int:
    if path == "/fapi/v1/klines":
        limit = int(params["limit"]) if params.get("limit", "").isdigit() else 500
        return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10
    if path == "/fapi/v1/depth":
        limit = int(params["limit"]) if params.get("limit", "").isdigit() else 500
        return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20
    if path == "/fapi/v1/ticker/bookTicker":
        return 2 if "symbol" in params else 5
    if path in ("/fapi/v1/order", "/fapi/v1/algoOrder") and method == "POST":
        return 0
    if path in (
        "/fapi/v3/positionRisk",
        "/fapi/v2/positionRisk",
        "/fapi/v3/balance",
        "/fapi/v2/balance",
        "/fapi/v3/account",
        "/fapi/v2/account",
        "/fapi/v1/symbolConfig",
    ):
        return 5
    if path in ("/fapi/v1/commissionRate", "/fapi/v1/forceOrders"):
        return 20 if path == "/fapi/v1/commissionRate" or "symbol" in params else 50
    if path in ("/fapi/v1/userTrades", "/fapi/v1/accountConfig"):
        return 5
    if path == "/fapi/v1/income":
        return 30
    if path == "/fapi/v1/premiumIndex" and "symbol" not in params:
        return 10
    if path in ("/fapi/v1/ticker/price", "/fapi/v2/ticker/price") and "symbol" not in params:
        return 2
    if path == "/fapi/v1/openOrders" and "symbol" not in params:
        return 40
    return 1


class WeightCounter:
    """REQUEST_WEIGHT per wall-clock minute (rate limits are about real request rates)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = 0
        self.used = 0

    def add(self, weight: int) -> int:
        minute = int(time.time() // 60)
        if minute != self._minute:
            self._minute, self.used = minute, 0
        self.used += weight
        return self.used


def gateway_page(request: web.Request) -> web.Response:
    """A proxy's or load balancer's 502 page in front of the API: not Binance's JSON, and (as some do) it
    echoes the request line, signature included. Whatever a client logs of it must not carry the signature."""
    page = (f"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            f"<p>upstream failed for {request.method} {request.path_qs}</p></body></html>")
    return web.Response(status=502, text=page, content_type="text/html")


def make_middleware(
    faults: RestFaults, weights: WeightCounter
) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def binance_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        is_api = request.path.startswith("/fapi/")
        try:
            if not is_api:
                return await handler(request)
            body = await request.text() if request.can_read_body else ""
            params = merged_params(request.query_string, body)
            request[PARAMS_KEY] = params
            request[BODY_KEY] = body
            faults.gate(weights.limit)
            used = weights.add(weight_of(request.method, request.path, params))
            if used > weights.limit:
                raise errors.too_many_requests(weights.limit, 60 - int(time.time()) % 60)
            delay = faults.delay_for(request.path)
            if delay:
                await asyncio.sleep(delay)
            kind = faults.take(request.method, request.path, params)
            if kind == "gateway_html":
                return gateway_page(request)
            if kind is not None and kind != "unknown_placed":
                raise error_for(kind)
            response = await handler(request)
            if kind == "unknown_placed":
                logger.info("fault: {} {} executed, answering 503 unknown", request.method, request.path)
                raise error_for(kind)
            response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
            return response
        except BinanceError as err:
            resp = error_response(err)
            if is_api:
                resp.headers["X-MBX-USED-WEIGHT-1M"] = str(weights.used)
            return resp
        except web.HTTPException as exc:
            if exc.status in (404, 405):
                return error_response(
                    BinanceError(
                        -5000, f"Path {request.path}, Method {request.method} is invalid", status=exc.status
                    )
                )
            if exc.status < 400:
                raise
            return error_response(BinanceError(-1000, exc.reason or "An unknown error occurred.", exc.status))
        except Exception:
            logger.exception("unhandled error on {} {}", request.method, request.path)
            return error_response(
                BinanceError(-1000, "An unknown error occurred while processing the request.", status=500)
            )

    return binance_middleware
