"""A private redis-server for a benchmark, so no benchmark writes into anybody's data."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
import redis

T = TypeVar("T")


@contextmanager
def scratch_redis() -> Iterator[str]:
    """A redis-server of our own on a free loopback port, removed afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found; pass --redis-url of a scratch Redis")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="liqfade-bench-")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def on_redis(url: str | None, measure: Callable[[str], T]) -> T:
    """Run `measure` on the given scratch Redis, or on a private one when none is given."""
    if url:
        return measure(url)
    with scratch_redis() as scratch:
        return measure(scratch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def scratch_database(server_url: str, prefix: str = "liqfade_bench") -> Iterator[str]:
    """A new database on the PostgreSQL server of `server_url` (any database URL there), dropped afterwards."""
    admin_url = server_url.rsplit("/", 1)[0] + "/postgres"
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
