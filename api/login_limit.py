"""Failed logins limited per real client address, in Redis (shared by API instances, kept across restarts).

The address is the TCP peer, or the one the dashboard reports when it proves itself with DASHBOARD_SECRET:
behind the dashboard every browser shares the dashboard's address, and limiting that would let anyone lock
the operator out. A correct password from one address is never refused because another address failed.
IPv6 clients are counted per /64, which is what one subscriber gets.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time

import redis.asyncio as aioredis
from fastapi import Request

from runtime.settings import Settings

PREFIX = "auth:login-failures:"
CLIENT_HEADER = "X-Client-Address"
DASHBOARD_SECRET_HEADER = "X-Dashboard-Secret"


def client_address(request: Request, settings: Settings) -> str:
    peer = request.client.host if request.client else "unknown"
    expected = settings.dashboard_secret.get_secret_value()
    vouched = request.headers.get(DASHBOARD_SECRET_HEADER)
    reported = request.headers.get(CLIENT_HEADER)
    if expected and vouched and reported and hmac.compare_digest(vouched.encode(), expected.encode()):
        return _bucket(reported.strip())
    return _bucket(peer)


def _bucket(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class LoginLimiter:
    """At most `max_failures` failed logins per client address in a sliding window."""

    def __init__(self, client: aioredis.Redis, max_failures: int = 5, window_s: float = 60.0) -> None:
        self.client = client
        self.max_failures = max_failures
        self.window_s = window_s

    async def retry_after(self, address: str) -> int:
        """Seconds until this address may try again; 0 when it may try now."""
        key, now = PREFIX + address, time.time()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - self.window_s)
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.zcard(key)
            _, oldest, count = await pipe.execute()
        if count < self.max_failures or not oldest:
            return 0
        return max(1, int(self.window_s - (now - float(oldest[0][1]))) + 1)

    async def failed(self, address: str) -> None:
        key, now = PREFIX + address, time.time()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{now:.6f}-{secrets.token_hex(4)}": now})
            pipe.expire(key, int(self.window_s) + 1)
            await pipe.execute()

    async def succeeded(self, address: str) -> None:
        await self.client.delete(PREFIX + address)
