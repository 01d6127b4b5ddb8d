"""Request authentication: ``X-MBX-APIKEY``, HMAC-SHA256 signatures, the timestamp/recvWindow rule."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from simulator import errors
from simulator.config import SimConfig


def sign(secret: str, total_params: str) -> str:
    return hmac.new(secret.encode(), total_params.encode(), hashlib.sha256).hexdigest()


def split_signature(raw: str) -> tuple[str, str | None]:
    """``a=1&b=2&signature=x`` -> (``a=1&b=2``, ``x``). The signature must be the last parameter."""
    if not raw:
        return raw, None
    parts = raw.split("&")
    sig_idx = [i for i, p in enumerate(parts) if p.startswith("signature=")]
    if not sig_idx:
        return raw, None
    sig = parts[sig_idx[-1]].partition("=")[2]
    if sig_idx[-1] != len(parts) - 1:
        return raw, ""  # present but not last -> never valid
    return "&".join(parts[:-1]), sig


def total_params(query: str, body: str) -> tuple[str, str | None]:
    """Binance's ``totalParams``: query string then body, no separator, ``signature`` removed."""
    q, q_sig = split_signature(query)
    b, b_sig = split_signature(body)
    return q + b, b_sig if b_sig is not None else q_sig


def merged_params(query: str, body: str) -> dict[str, str]:
    """Body params overridden by query params ("if a param is in both, the query string wins")."""
    params = dict(parse_qsl(body, keep_blank_values=True))
    params.update(parse_qsl(query, keep_blank_values=True))
    return params


class Authenticator:
    def __init__(self, config: SimConfig, virtual_now: Callable[[], int]) -> None:
        self._config = config
        self._virtual_now = virtual_now
        self.read_only: set[str] = set(config.read_only_keys)  # keys without the trade permission

    def can_trade(self, api_key: str | None) -> bool:
        return api_key not in self.read_only

    def verify_trade(self, header: str | None, query: str, body: str, params: dict[str, str]) -> str:
        """A TRADE endpoint: signed, and the key may trade (HTTP 401 -2015 otherwise, reference §5b [doc])."""
        key = self.verify_signed(header, query, body, params)
        if not self.can_trade(key):
            raise errors.rejected_api_key()
        return key

    def api_key(self, header: str | None) -> str:
        if not header:
            raise errors.bad_api_key_format()
        if header not in self._config.api_keys:
            raise errors.rejected_api_key()
        return header

    def verify_signed(self, header: str | None, query: str, body: str, params: dict[str, str]) -> str:
        key = self.api_key(header)
        payload, signature = total_params(query, body)
        if "timestamp" not in params or not params["timestamp"]:
            raise errors.mandatory("timestamp")
        if not signature:
            if signature is None:
                raise errors.mandatory("signature")
            raise errors.bad_signature()
        try:
            ts = int(params["timestamp"])
            recv_window = int(params.get("recvWindow", "5000"))
        except ValueError as exc:
            raise errors.illegal_chars(
                "timestamp" if not params["timestamp"].isdigit() else "recvWindow"
            ) from exc
        self._check_time(ts, recv_window)
        expected = sign(self._config.api_keys[key], payload)
        if not hmac.compare_digest(expected, signature.lower()):
            raise errors.bad_signature()
        return key

    def _check_time(self, ts: int, recv_window: int) -> None:
        clocks: list[int] = []
        if self._config.timestamp_clock in ("virtual", "both"):
            clocks.append(self._virtual_now())
        if self._config.timestamp_clock in ("wall", "both"):
            clocks.append(int(time.time() * 1000))
        if any(ts < now + 1000 and now - ts <= recv_window for now in clocks):
            return
        raise errors.bad_timestamp(ahead=all(ts >= now + 1000 for now in clocks))
