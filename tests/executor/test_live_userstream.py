"""The user-data stream when the venue drops the private WebSocket (no close frame)."""

from __future__ import annotations

import time

import pytest
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from schemas.positions import PositionClosed
from tests.executor.harness import live_executor


@pytest.fixture(autouse=True)
def _fast_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)


def test_userstream_when_the_private_socket_is_dropped_a_later_exchange_side_exit_is_reported(
        redis_url: str) -> None:
    with live_executor(redis_url) as h:
        h.open_protected_long("drop")
        h.fault({"action": "drop_connections", "route": "private"})
        time.sleep(3)  # past python-binance's own reconnect (1-2 s): the take profit fills after it
        h.set_book("100500.0", "100500.1")  # the exchange-side take profit: only the stream tells
        closed = h.wait("PositionClosed", timeout=20, setup_id="drop")[0]
        assert isinstance(closed, PositionClosed) and closed.reason == "TP"


def test_userstream_when_the_listen_key_expires_the_new_stream_is_up_well_within_the_read_timeout(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 10)  # python-binance's own read timeout
    with live_executor(redis_url) as h:
        h.wait("BootChecksCompleted")
        h.approve("LONG", "lkx", entry_fill_timeout_ms=9_000)  # no cancel-and-query finds the fill first
        h.wait("OrderAccepted", setup_id="lkx")
        h.fault({"action": "listen_key_expired"})
        started = time.monotonic()
        h.set_book("99999.9", "100000.0")  # the entry fills while the executor changes keys
        h.wait("ProtectionPlaced", timeout=20, count=2, setup_id="lkx")
        # before: the old socket took python-binance's 10 s read timeout to close, the fill went unseen
        assert time.monotonic() - started < 5
