"""Real services for tests: a private redis-server per test session and a fresh PostgreSQL database
(tests/support/local_services.py says where they come from on a machine without them).

A private redis-server (same binary as production, on a free loopback port) keeps concurrent test runs
from sharing streams, and lets drills stop and restart Redis without touching anybody else's.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.local_services import database_url, pg_admin_url, redis_server_binary
from tests.support.ports import free_port

__all__ = ["RedisServer", "external_redis_url", "free_port", "fresh_database"]


@dataclass
class RedisServer:
    """A redis-server process of our own. `restart()` keeps the data when AOF is on.

    AOF is fsynced every second, as in docker-compose.yml (a stop or restart, SIGTERM, fsyncs it first);
    `always` would add an fsync to every write, ~1 ms each on this disk under load.
    """

    port: int = field(default_factory=free_port)
    appendonly: bool = False
    appendfsync: str = "everysec"
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="liqfade-redis-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", self.appendfsync,
             "--dir", str(self.workdir), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self, kill: bool = False) -> None:
        if self.process is not None:
            (self.process.kill if kill else self.process.terminate)()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def external_redis_url() -> str | None:
    """An existing Redis when told to (LIQFADE_TEST_REDIS_URL); else every session runs its own."""
    return os.environ.get("LIQFADE_TEST_REDIS_URL") or None


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    import psycopg

    name = f"liqfade_test_{uuid.uuid4().hex[:12]}"
    admin = pg_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
