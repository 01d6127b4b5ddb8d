"""`liqfade bench api`: latency of the main GET endpoints at a fixed request rate over a day of data.

Creates a scratch database on the configured PostgreSQL server, fills it with one generated day (market
data in `events`, trades, setups, logs, risk events, heartbeats), starts the API as its own process
(`liqfade run api`), and sends requests open-loop at `--rate` per second, round-robin over the
endpoints. Prints one JSON object on the last line. Target: p99 < 50 ms at 200 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import httpx
import orjson
import psycopg

from api.security import create_token
from bench.scratch import scratch_database
from bench.stats import percentile
from projector import partitions
from projector.migrate import migrate
from runtime.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "x" * 40
ENDPOINTS = (
    "/api/state",
    "/api/metrics/today",
    "/api/trades?limit=50",
    "/api/trades?symbol=BTCUSDT&result=loss&limit=50",
    "/api/events?limit=50",
    "/api/events?passed=false&symbol=ETHUSDT",
    "/api/logs?level=WARN&limit=100",
    "/api/logs?q=timeout&limit=50",
    "/api/config/current",
    "/api/checklist",
)

DAY_SQL = """
INSERT INTO events (stream, stream_id, type, ts, ts_ms, source, raw, decoded, tier, day)
SELECT 'md.BTCUSDT', (t * 1000)::text || '-0', 'BookTickerUpdated', to_timestamp(t), t * 1000, 'ingest',
       '{"payload":{"symbol":"BTCUSDT","bid":"' || (95000 + t % 100) || '"}}', true, 'window',
       (to_timestamp(t) AT TIME ZONE 'UTC')::date
FROM generate_series(extract(epoch FROM now())::bigint - 86400, extract(epoch FROM now())::bigint, 0.5) AS t;
INSERT INTO trades (event_id, setup_id, "timestamp", symbol, side, entry, exit, pnl_usdt, pnl_pct, duration,
                    fees, slippage_est, reason, qty, opened_at)
SELECT 'tr' || i, 'S-' || i, now() - i * interval '7 minutes', (ARRAY['BTCUSDT','ETHUSDT'])[1 + i % 2],
       (ARRAY['LONG','SHORT'])[1 + i % 3 % 2], 95000, 95100, CASE WHEN i % 3 = 0 THEN -1.5 ELSE 1.1 END, 0.001,
       interval '90 seconds', 0.6, 0.5, (ARRAY['TP','SL','TIME_STOP'])[1 + i % 3], 0.01,
       now() - i * interval '7 minutes' - interval '90 seconds'
FROM generate_series(1, 200) AS i;
INSERT INTO market_events (setup_id, ts, symbol, side, liq_usd, stage, stage_rank, passed, reason, updated_at)
SELECT 'M-' || i, now() - i * interval '2 minutes', (ARRAY['BTCUSDT','ETHUSDT'])[1 + i % 2], 'LONG', 3000000,
       CASE WHEN i % 4 = 0 THEN 'approved' ELSE 'rejected' END, 2, i % 4 = 0,
       CASE WHEN i % 4 = 0 THEN NULL ELSE (ARRAY['volume','spread','no_exhaustion'])[1 + i % 3] END, now()
FROM generate_series(1, 700) AS i;
INSERT INTO logs (stream_id, ts, level, level_no, process, message, module)
SELECT i::text || '-0', now() - i * interval '10 seconds', (ARRAY['INFO','WARNING','ERROR'])[1 + i % 3],
       (ARRAY[20, 30, 40])[1 + i % 3], 'executor', 'request timeout ' || i % 50, 'executor.venue'
FROM generate_series(1, 8640) AS i;
INSERT INTO risk_events (ts, type, actor, outcome, detail, source)
SELECT now() - i * interval '1 hour', 'RiskLimitHit', 'governor', 'max_trades', '10 of 10', 'governor'
FROM generate_series(1, 24) AS i;
INSERT INTO process_heartbeats (process, pid, started_at, events_processed, lag, rss_mb, last_seen)
SELECT p, 1, now(), 1000, 0, 80, now()
FROM unnest(ARRAY['ingest','strategy','governor','executor','projector','notifier']) AS p;
INSERT INTO bot_config (version, config, author, note, active) VALUES (1, '{}', 'bench', 'defaults', true);
UPDATE bot_state SET status = 'RUNNING', status_since = now();
ANALYZE;
"""


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench api", description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (open loop)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--port", type=int, default=18_700)
    args = parser.parse_args(list(argv))
    settings = get_settings()
    server: subprocess.Popen[bytes] | None = None
    with scratch_database(settings.database_url) as url:
        try:
            migrate(url)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("INSERT INTO bot_state (id) VALUES (1) ON CONFLICT DO NOTHING")
                today = datetime.now(UTC).date()
                with conn.transaction():
                    partitions.ensure(conn, [today - timedelta(days=1), today])
                conn.execute(DAY_SQL.encode())
                rows = conn.execute("SELECT count(*) FROM events").fetchone()
            server = _start_api(url, settings.redis_url, args.port)
            base = f"http://127.0.0.1:{args.port}"
            result = asyncio.run(_load(base, args.rate, args.seconds, args.warmup))
            result["events_rows"] = rows[0] if rows else 0
        finally:
            if server is not None:
                server.terminate()
                server.wait(20)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


def _start_api(database_url: str, redis_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "API_PORT": str(port),
        "JWT_SECRET": SECRET,
        "DASHBOARD_SECRET": SECRET[::-1],
        "ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "LOG_LEVEL": "WARNING",
        "TRADING_MODE": "paper",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "api"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the API did not become ready")


async def _load(base: str, rate: float, seconds: float, warmup: float) -> dict[str, object]:
    """Open loop: request i is sent at start + i / rate whatever the earlier ones are doing."""
    token, _ = create_token(SECRET, "bench@liqfade", 3600)
    samples: dict[str, list[float]] = {path: [] for path in ENDPOINTS}
    errors = 0
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {token}"}, connector=connector) as http:

        async def one(path: str, record: bool) -> None:
            nonlocal errors
            started = time.perf_counter()
            async with http.get(path) as response:
                await response.read()
                ok = response.status == 200
            elapsed = (time.perf_counter() - started) * 1000
            if not ok:
                errors += 1
            elif record:
                samples[path].append(elapsed)

        tasks = []
        total = int((seconds + warmup) * rate)
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(ENDPOINTS[i % len(ENDPOINTS)], i >= warmup * rate)))
        sent = time.perf_counter() - start
        await asyncio.gather(*tasks)
    everything = sorted(v for values in samples.values() for v in values)
    per = {
        path: {"p50_ms": round(percentile(sorted(v), 50), 2), "p99_ms": round(percentile(sorted(v), 99), 2)}
        for path, v in samples.items()
    }
    p99 = round(percentile(everything, 99), 2)
    return {
        "bench": "api",
        "rate_rps": rate,
        "achieved_rps": round(total / sent, 1),
        "requests": len(everything),
        "errors": errors,
        "p50_ms": round(percentile(everything, 50), 2),
        "p99_ms": p99,
        "target_p99_ms": 50,
        "pass": p99 < 50 and errors == 0,
        "endpoints": per,
    }
