"""The projector killed mid-batch, PostgreSQL gone for a while, Redis restarted: nothing lost or doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from projector.handler import projection_consumer
from schemas.market import BookTickerUpdated
from tests.projector.session import T0, closed_trade, publish, recorded_session, wrap
from tests.projector.tcp_proxy import TcpProxy
from tests.projector.test_projection import NOT_OURS
from tests.support.local_services import pg_admin_url
from tests.support.services import RedisServer

ROOT = Path(__file__).resolve().parents[2]


def book_ticks(count: int, t0: int = T0) -> list[Any]:
    return [wrap(BookTickerUpdated(symbol="BTCUSDT", bid=D(95000) + i, bid_qty=D(1), ask=D(95001) + i,
                                   ask_qty=D(1), update_id=i), t0 + i, "ingest") for i in range(count)]


def trades(count: int, t0: int = T0) -> list[Any]:
    return [closed_trade(f"BTCUSDT-LONG-{t0 + i}", t0 + 1_000 * i, "1.5") for i in range(count)]


def scalar(url: str, sql: str) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


def wait_until(check: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except psycopg.Error:
            pass  # not migrated yet, or the proxy is cut
        time.sleep(0.05)
    return False


def start_projector(redis_url: str, database_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "run", "projector"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


EXPECTED_MARKET_SQL = "SELECT count(*) FROM events WHERE stream = 'md.BTCUSDT'"


def test_projector_when_sigkilled_mid_batch_projects_every_entry_once(
        redis_client: redis.Redis, redis_url: str, database_url: str) -> None:
    ticks, closes = book_ticks(30_000), trades(400)
    publish(redis_client, ticks + closes, undecodable=False)
    rng = random.Random(8)
    worker = start_projector(redis_url, database_url)
    try:
        for _ in range(4):  # kill at several points of the backlog
            wait_until(lambda: scalar(database_url, EXPECTED_MARKET_SQL) > 0, 30)
            time.sleep(rng.uniform(0.05, 0.4))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker = start_projector(redis_url, database_url)
        assert wait_until(lambda: scalar(database_url, "SELECT count(*) FROM trades") == 400
                          and scalar(database_url, EXPECTED_MARKET_SQL) == 30_000, 120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    assert scalar(database_url, "SELECT count(DISTINCT stream_id) FROM events WHERE stream = 'md.BTCUSDT'") == 30_000
    assert scalar(database_url, "SELECT count(*) FROM events WHERE stream = 'executions'") == 400
    assert scalar(database_url, "SELECT count(*) FROM positions") == 400
    assert redis_client.xpending("executions", "projector")["pending"] == 0


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    admin = urlsplit(pg_admin_url())
    tcp = TcpProxy(admin.hostname or "127.0.0.1", admin.port or 5432)
    tcp.restore()
    yield tcp
    tcp.cut()


def through(proxy: TcpProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


def test_projector_when_postgres_unavailable_for_a_while_catches_up(
        redis_client: redis.Redis, redis_url: str, database_url: str, proxy: TcpProxy) -> None:
    session = recorded_session()
    first, rest = session[:10], session[10:] + trades(50, T0 + 300_000)
    stop = threading.Event()
    projector = projection_consumer(redis_url, through(proxy, database_url), block_ms=50)
    thread = threading.Thread(target=projector.run, args=(stop,), daemon=True)
    thread.start()
    try:
        publish(redis_client, first, undecodable=False)
        assert wait_until(lambda: scalar(database_url, "SELECT count(*) FROM market_events") == 3, 30)

        proxy.cut()  # PostgreSQL "goes away" while the session goes on
        publish(redis_client, rest)
        time.sleep(1.5)
        assert scalar(database_url, "SELECT count(*) FROM trades") == 0
        proxy.restore()

        assert wait_until(lambda: scalar(database_url, "SELECT count(*) FROM trades") == 51, 60)
    finally:
        stop.set()
        thread.join(20)
    ids = [e.id for e in session + rest[len(session) - 10:]]
    assert scalar(database_url, f"SELECT count(*) FROM events WHERE {NOT_OURS}") == len(set(ids)) + 2
    assert scalar(database_url, "SELECT count(*) FROM risk_events") == 4
    assert scalar(database_url, "SELECT count(*) FROM logs") == 2


def test_projector_when_redis_restarts_catches_up(database_url: str) -> None:
    server = RedisServer(appendonly=True)
    server.start()
    stop = threading.Event()
    try:
        client = redis.Redis.from_url(server.url)
        projector = projection_consumer(server.url, database_url, block_ms=50)
        thread = threading.Thread(target=projector.run, args=(stop,), daemon=True)
        thread.start()
        publish(client, trades(10), undecodable=False)
        assert wait_until(lambda: scalar(database_url, "SELECT count(*) FROM trades") == 10, 30)

        server.restart()
        client = redis.Redis.from_url(server.url)
        publish(client, trades(10, T0 + 100_000), undecodable=False)

        assert wait_until(lambda: scalar(database_url, "SELECT count(*) FROM trades") == 20, 60)
        stop.set()
        thread.join(20)
    finally:
        stop.set()
        server.stop()
