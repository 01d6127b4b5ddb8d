"""Deterministic client order ids: `lf-<hash of the intent id>-<leg>`, Binance's alphabet, ≤ 36 chars.

The leg names the order's purpose, so a venue report can be attributed even after a restart.
"""

from __future__ import annotations

import re
from hashlib import blake2b

from schemas.orders import OrderPurpose

CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")

LEGS: dict[str, OrderPurpose] = {
    "el": "ENTRY",  # the LIMIT at the touch
    "em": "ENTRY",  # the MARKET for the remainder
    "sl": "STOP_LOSS",
    "tp": "TAKE_PROFIT",
    "ts": "TIME_STOP",
    "fl": "FLATTEN",
    "in": "INCIDENT",
}


def intent_key(intent_id: str) -> str:
    return blake2b(intent_id.encode(), digest_size=8).hexdigest()


def client_id(key: str, leg: str) -> str:
    cid = f"lf-{key}-{leg}"
    assert CLIENT_ID.match(cid), cid
    return cid


def _leg(cid: str) -> str | None:
    """The leg without its number (a second order of a kind is `<leg>2`, `<leg>3`, ...)."""
    if not cid.startswith("lf-"):
        return None
    return cid.rsplit("-", 1)[-1].rstrip("0123456789")


def purpose_of(cid: str) -> OrderPurpose | None:
    """The purpose a client id encodes, or None when the id is not one of ours."""
    leg = _leg(cid)
    return LEGS.get(leg) if leg is not None else None


def is_algo(cid: str) -> bool:
    return _leg(cid) in ("sl", "tp")
