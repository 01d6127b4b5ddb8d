"""A ban (418) that refuses the cancel of a closed trade's other exit: the cancel is sent when it ends."""

from __future__ import annotations

import pytest
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from schemas.orders import VenueError
from schemas.positions import PositionClosed
from tests.executor.harness import live_executor, wait_for


@pytest.fixture(autouse=True)
def _fast_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)


def test_venue_when_banned_while_cancelling_the_stop_it_is_cancelled_after_the_ban(redis_url: str) -> None:
    with live_executor(redis_url) as h:
        h.open_protected_long("ban")
        h.fault({"action": "rate_limit", "seconds": 30, "ban_after": 1, "ban_seconds": 3})
        h.set_book("100500.0", "100500.1")  # the exchange-side take profit fills; the stop is left to cancel
        closed = h.wait("PositionClosed", setup_id="ban")[0]
        assert isinstance(closed, PositionClosed) and closed.reason == "TP"
        err = h.wait("VenueError", code=418)[0]
        assert isinstance(err, VenueError) and err.operation == "cancel"
        algos = h.running.sim.trading.account.algos
        assert wait_for(lambda: all(a.status != "NEW" for a in algos.values()), timeout=15), \
            {a.client_algo_id: a.status for a in algos.values()}
