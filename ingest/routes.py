"""Where ingest connects: the WebSocket host for a REST base URL and the 2026 route of each stream.

Since 2026-04-23 Binance delivers a stream only on its own route (reference §0.1, §1.1): `bookTicker`
on `/public`, `forceOrder` and `kline_*` on `/market`. A stream on the wrong route gets silence, not an
error, so the mapping lives here, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

WsRoute = Literal["public", "market"]
ROUTES: tuple[WsRoute, ...] = ("market", "public")

# Binance REST hosts whose stream host is not a simple scheme swap.
_KNOWN_HOSTS = {
    "fapi.binance.com": "wss://fstream.binance.com",
    "testnet.binancefuture.com": "wss://fstream.binancefuture.com",
    "demo-fapi.binance.com": "wss://fstream.binancefuture.com",
}


def ws_base_url(rest_base: str) -> str:
    """`https://fapi.binance.com` → `wss://fstream.binance.com`; any other host keeps its address with
    the scheme swapped (`http://127.0.0.1:8799` → `ws://127.0.0.1:8799`, the simulator)."""
    parts = urlsplit(rest_base.strip())
    host = parts.hostname or ""
    if host in _KNOWN_HOSTS:
        return _KNOWN_HOSTS[host]
    scheme = "wss" if parts.scheme in ("https", "wss") else "ws"
    return f"{scheme}://{parts.netloc}"


def rest_futures_url(rest_base: str) -> str:
    """The value for python-binance's `client.FUTURES_URL` (paths are appended as `/v1/<path>`)."""
    base = rest_base.strip().rstrip("/")
    return base if base.endswith("/fapi") else f"{base}/fapi"


def streams_for(symbol: str) -> dict[WsRoute, tuple[str, ...]]:
    sym = symbol.lower()
    return {"market": (f"{sym}@forceOrder", f"{sym}@kline_1m"), "public": (f"{sym}@bookTicker",)}


def route_streams(symbols: Iterable[str]) -> dict[WsRoute, tuple[str, ...]]:
    """Every stream ingest needs, grouped by the route that carries it."""
    out: dict[WsRoute, list[str]] = {route: [] for route in ROUTES}
    for symbol in symbols:
        for route, names in streams_for(symbol).items():
            out[route].extend(names)
    return {route: tuple(names) for route, names in out.items()}


def stream_url(ws_base: str, route: WsRoute, streams: Iterable[str]) -> str:
    """A combined-stream URL: frames arrive wrapped as `{"stream": name, "data": payload}`."""
    return f"{ws_base.rstrip('/')}/{route}/stream?streams={'/'.join(streams)}"
