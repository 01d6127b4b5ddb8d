"""User-data listen keys: one active key per API key, 60 minutes of virtual time, extendable."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from simulator import errors

_ALPHABET = string.ascii_letters + string.digits


@dataclass
class ListenKey:
    key: str
    api_key: str
    expires_ms: int
    expired: bool = False


class ListenKeys:
    def __init__(self, ttl_ms: int) -> None:
        self.ttl_ms = ttl_ms
        self._by_key: dict[str, ListenKey] = {}
        self._by_api_key: dict[str, ListenKey] = {}

    def create(self, api_key: str, now_ms: int) -> str:
        """POST: the account's active key is returned (and extended) if there is one."""
        current = self._by_api_key.get(api_key)
        if current is not None and not current.expired and current.expires_ms > now_ms:
            current.expires_ms = now_ms + self.ttl_ms
            return current.key
        lk = ListenKey("".join(secrets.choice(_ALPHABET) for _ in range(64)), api_key, now_ms + self.ttl_ms)
        self._by_key[lk.key] = lk
        self._by_api_key[api_key] = lk
        return lk.key

    def keepalive(self, api_key: str, now_ms: int) -> str:
        current = self._by_api_key.get(api_key)
        if current is None or current.expired or current.expires_ms <= now_ms:
            raise errors.unknown_listen_key()
        current.expires_ms = now_ms + self.ttl_ms
        return current.key

    def close(self, api_key: str) -> None:
        current = self._by_api_key.pop(api_key, None)
        if current is not None:
            current.expired = True

    def is_active(self, key: str) -> bool:
        lk = self._by_key.get(key)
        return lk is not None and not lk.expired

    def active_for(self, api_key: str) -> str | None:
        lk = self._by_api_key.get(api_key)
        return lk.key if lk is not None and not lk.expired else None

    def due(self, now_ms: int) -> list[str]:
        """Keys whose 60 minutes ran out: marked expired and returned once (to push listenKeyExpired)."""
        out = []
        for lk in self._by_key.values():
            if not lk.expired and lk.expires_ms <= now_ms:
                lk.expired = True
                out.append(lk.key)
        return out

    def expire_now(self, key: str | None = None) -> list[str]:
        out = []
        for lk in self._by_key.values():
            if not lk.expired and (key is None or lk.key == key):
                lk.expired = True
                out.append(lk.key)
        return out

    def snapshot(self, now_ms: int) -> list[dict[str, object]]:
        return [
            {"listenKey": lk.key, "expires_in_ms": lk.expires_ms - now_ms, "expired": lk.expired}
            for lk in self._by_key.values()
        ]
