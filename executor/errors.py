"""Venue errors: what an exception means for a request (unknown outcome, back off, ban, final) and how it
is described: from its HTTP status, code and message only. A library's exception text can carry the
signed request URL (python-binance puts a non-JSON error body, e.g. a proxy's HTML page, in its message)."""

from __future__ import annotations

import asyncio

import aiohttp
from binance.exceptions import BinanceAPIException

UNKNOWN_CODES = (-1006, -1007)
BACKOFF_CODES = (-1008, -1001, -1003)


class Unknown(Exception):
    """The request may or may not have been executed."""


class Banned(Exception):
    def __init__(self, until_ms: int, msg: str) -> None:
        super().__init__(msg)
        self.until_ms = until_ms


def describe(exc: BaseException) -> str:
    """An error as status, code and message, nothing else (no URL, no body that is not Binance's JSON)."""
    if isinstance(exc, BinanceAPIException):
        if not exc.code:  # not a Binance JSON error body: a proxy's or load balancer's page
            return f"HTTP {exc.status_code}: no Binance error in the response body"
        return f"HTTP {exc.status_code} code {exc.code}: {exc.message}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status} ({type(exc).__name__})"
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out waiting for the exchange"
    if isinstance(exc, aiohttp.ClientError):
        return f"connection failed ({type(exc).__name__})"
    if isinstance(exc, (Unknown, Banned)):
        return str(exc)
    return type(exc).__name__


def classify(exc: BaseException) -> str:
    """unknown | backoff | ban | final"""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError)):
        return "unknown"
    if isinstance(exc, BinanceAPIException):
        if exc.status_code == 418:
            return "ban"
        if exc.code in UNKNOWN_CODES or (exc.status_code == 503 and "Unknown error" in str(exc.message)):
            return "unknown"
        if exc.status_code >= 500 and not exc.code:
            return "unknown"  # a gateway's page: the request may have reached the exchange
        if exc.status_code in (429, 503) or exc.code in BACKOFF_CODES:
            return "backoff"
    return "final"


def ban_until(exc: BinanceAPIException, now_ms: int) -> int:
    retry = getattr(exc.response, "headers", {}).get("Retry-After") if exc.response is not None else None
    return now_ms + int(retry or 120) * 1000
