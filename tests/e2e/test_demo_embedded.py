"""`liqfade up --demo` on embedded Redis and PostgreSQL: a paper trade reaches PostgreSQL (issue 11).

The machine's own Redis and PostgreSQL are ignored (--embedded); every process is a separate OS process
started from the Procfile, the simulator plays the bundled flush in wall-clock time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = "simulator,ingest,strategy,governor,executor,projector"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_when_no_services_given_runs_embedded_and_a_paper_trade_reaches_postgres(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(API_PORT=str(free_port()), LOG_LEVEL="WARNING")
    log = (tmp_path / "demo.log").open("wb")
    up = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--demo", "--embedded", "--run-dir", str(tmp_path / "run"),
         "--redis-port", str(free_port()), "--simulator-port", str(free_port()), "--only", PROCESSES],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    database = f"postgresql://postgres:@/liqfade?host={tmp_path / 'run' / 'pgdata'}"
    trade = None
    try:
        deadline = time.monotonic() + 600
        while trade is None and time.monotonic() < deadline and up.poll() is None:
            time.sleep(5)
            try:
                with psycopg.connect(database, connect_timeout=2) as conn:
                    trade = conn.execute("SELECT setup_id, reason, pnl_usdt FROM trades LIMIT 1").fetchone()
            except psycopg.Error:
                continue  # not up yet, or the projector has not migrated yet
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=60)
        log.close()
    output = (tmp_path / "demo.log").read_text(errors="replace")
    assert "using embedded Redis" in output and "using embedded PostgreSQL" in output
    assert trade is not None, output[-3000:]
    assert trade[0].startswith("BTCUSDT-LONG-")
