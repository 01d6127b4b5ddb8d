"""The error the exchange answers with: a Binance code and message (reference §6)."""

from __future__ import annotations


class BinanceError(Exception):
    """A refusal by the exchange; the simulator's middleware turns it into ``{"code": .., "msg": ..}`` with
    ``status``, the paper venue into an OrderRejected or a VenueError."""

    def __init__(self, code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}
