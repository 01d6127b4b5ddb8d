"""REST fault state: queued error responses, a 429 window that escalates to a 418 ban.

The WebSocket faults (drop, close code, silence, delay) live on the hub; :mod:`simulator.admin` is the
single entry point that applies any fault JSON (from ``POST /_sim/fault`` or a scenario).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from exchange.errors import BinanceError
from simulator import errors

RestFaultKind = Literal["unknown", "unknown_placed", "service_unavailable", "throttled", "gateway_html"]
ORDER_PATHS = ("/fapi/v1/order", "/fapi/v1/batchOrders", "/fapi/v1/order/test")


@dataclass
class PendingRestFault:
    kind: RestFaultKind
    remaining: int
    path: str  # prefix the request path must start with


def error_for(kind: RestFaultKind) -> BinanceError:
    if kind in ("unknown", "unknown_placed"):
        # HTTP 503 variant A (reference §6.1): execution status unknown. The text is Binance's; the code
        # is not documented with it, -1007 (TIMEOUT, "execution status unknown") is our choice.
        return BinanceError(-1007, errors.UNKNOWN_503, status=503)
    if kind == "throttled":
        return BinanceError(-1008, errors.THROTTLED, status=503)
    return BinanceError(-1001, errors.SERVICE_UNAVAILABLE, status=503)


@dataclass
class RestFaults:
    pending: list[PendingRestFault] = field(default_factory=list)
    rate_limited_until: float = 0.0  # wall clock (time.monotonic)
    ban_after: int = 3
    ban_seconds: int = 120
    calls_while_limited: int = 0
    banned_until: float = 0.0
    slow: list[tuple[str, float, int]] = field(default_factory=list)  # (path prefix, seconds, calls left)

    def slow_down(self, path: str, seconds: float, count: int) -> None:
        """The next `count` calls whose path starts with `path` are answered `seconds` late (a slow endpoint;
        other calls are not held up)."""
        self.slow.append((path, seconds, count))

    def delay_for(self, path: str) -> float:
        for i, (prefix, seconds, left) in enumerate(self.slow):
            if path.startswith(prefix) and left > 0:
                self.slow[i] = (prefix, seconds, left - 1)
                self.slow = [s for s in self.slow if s[2] > 0]
                return seconds
        return 0.0

    def queue(self, kind: RestFaultKind, count: int, path: str | None) -> None:
        default = "/fapi/v1/order" if kind in ("throttled", "unknown_placed") else "/fapi/"
        self.pending.append(PendingRestFault(kind, count, path or default))

    def rate_limit(self, seconds: float, ban_after: int, ban_seconds: int) -> None:
        self.rate_limited_until = time.monotonic() + seconds
        self.ban_after = ban_after
        self.ban_seconds = ban_seconds
        self.calls_while_limited = 0

    def clear(self) -> None:
        self.pending.clear()
        self.slow.clear()
        self.rate_limited_until = 0.0
        self.banned_until = 0.0
        self.calls_while_limited = 0

    def gate(self, limit: int) -> None:
        """Raise 418 while banned, 429 while rate-limited (and ban after ``ban_after`` ignored 429s)."""
        now = time.monotonic()
        if self.banned_until > now:
            left = int(self.banned_until - now) + 1
            raise errors.banned(int(time.time() * 1000 + left * 1000), left)
        if self.rate_limited_until > now:
            self.calls_while_limited += 1
            if self.calls_while_limited > self.ban_after:
                self.banned_until = now + self.ban_seconds
                self.rate_limited_until = 0.0
                raise errors.banned(int(time.time() * 1000) + self.ban_seconds * 1000, self.ban_seconds)
            raise errors.too_many_requests(limit, int(self.rate_limited_until - now) + 1)

    def take(self, method: str, path: str, params: dict[str, str]) -> RestFaultKind | None:
        """Consume and return the first queued fault that applies to this request."""
        for fault in self.pending:
            if not path.startswith(fault.path) or fault.remaining <= 0:
                continue
            if fault.kind == "throttled" and (
                method != "POST"
                or path not in ORDER_PATHS
                or params.get("reduceOnly") == "true"
                or params.get("closePosition") == "true"
            ):
                continue  # exposure-reducing orders and non-order calls are exempt from -1008
            fault.remaining -= 1
            kind = fault.kind
            self.pending = [f for f in self.pending if f.remaining > 0]
            return kind
        return None

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "pending": [{"kind": f.kind, "remaining": f.remaining, "path": f.path} for f in self.pending],
            "rate_limited_for_s": max(0.0, self.rate_limited_until - now),
            "banned_for_s": max(0.0, self.banned_until - now),
        }
