"""A private PostgreSQL cluster (initdb + pg_ctl on a free port, trust auth) that a drill may restart
without touching the machine's shared cluster, which other test runs use at the same time."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.ports import free_port


def pg_bin(tool: str) -> str:
    """The newest installed PostgreSQL's `tool` (initdb and pg_ctl are not on PATH on Debian), else the one
    on PATH, else the `pgserver` wheel's."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    on_path = shutil.which(tool)
    if on_path is not None:
        return on_path
    try:
        import pgserver
    except ImportError as exc:
        raise RuntimeError(f"{tool} not found (/usr/lib/postgresql/*/bin, PATH or the pgserver wheel)") from exc
    wheel = Path(pgserver.__file__).parent / "pginstall" / "bin" / tool
    if not wheel.exists():
        raise RuntimeError(f"{tool} not found in the pgserver wheel")
    return str(wheel)


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: as root, run them as `postgres` (made on a machine without
    a PostgreSQL package, as the pgserver wheel does for its own server)."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True, capture_output=True)
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class PrivatePostgres:
    port: int = field(default_factory=free_port)
    # not under pytest's tmp_path: that is mode 0700 and owned by root, and the server runs as postgres
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="liqfade-pg-")))

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(_as_postgres(list(args)), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "30",
                  "-o", options, "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are terminated, as in a restart of the service."""
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)  # an outage of a chosen length, not a synchronisation
        self.start()

    def create_database(self, name: str = "liqfade") -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
