"""The FastAPI app: `create_app(settings)` for tests, `app` for uvicorn, `serve()` for `liqfade run api`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from api import heartbeat
from api.config_checks import ConfigInvalid, config_invalid_response
from api.config_sync import keep_in_sync
from api.deps import Services
from api.docs import add_docs
from api.login_limit import LoginLimiter
from api.routes import auth, checklist, config, control, events, health, logs, state, storage, stream, trades
from api.security import ACCESS_TTL_S
from projector.migrate import migrate
from runtime import logs as runtime_logs
from runtime.secret_checks import refuse_to_start_without_secrets
from runtime.settings import Settings, get_settings
from runtime.worker import yield_cpu_to_trading

ROUTERS = (
    health.router,
    auth.router,
    state.router,
    trades.router,
    events.router,
    config.router,
    control.router,
    logs.router,
    checklist.router,
    storage.router,
    stream.router,
)


async def check_or_sweep(pool: AsyncConnectionPool[Any], conn: psycopg.AsyncConnection[Any]) -> None:
    """Check a connection before lending it. A dead one means the server restarted and every idle
    connection is dead too: sweep them all now, so the request waiting gets a new connection after the
    pool's first back-off (~1 s) instead of meeting each dead one in turn and timing out."""
    try:
        await AsyncConnectionPool.check_connection(conn)
    except psycopg.Error:
        await pool.check()
        raise


def create_app(
    settings: Settings | None = None,
    *,
    control_wait_s: float = 2.0,
    health_wait_s: float = 5.0,
    token_ttl_s: int = ACCESS_TTL_S,
    migrate_on_start: bool = True,
    config_sync_s: float = 5.0,
) -> FastAPI:
    settings = settings or get_settings()
    counter = heartbeat.RequestCounter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate_on_start:
            try:  # the projector owns the schema; applying it here too means a fresh API never 500s
                await asyncio.to_thread(migrate, settings.database_url)
            except psycopg.OperationalError as exc:
                logger.warning("database not reachable at start ({}); serving degraded", exc)
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            settings.database_url,
            open=False,
            min_size=4,
            max_size=10,
            timeout=5.0,
            check=lambda conn: check_or_sweep(pool, conn),
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        await pool.open(wait=False)
        # a pooled connection from before a Redis restart fails on its first use: retry on a new one
        client = aioredis.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=2,
                                         retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3))
        app.state.services = Services(
            settings=settings,
            pool=pool,
            redis=client,
            limiter=LoginLimiter(client),
            token_ttl_s=token_ttl_s,
            control_wait_s=control_wait_s,
            health_wait_s=health_wait_s,
        )
        stopping = asyncio.Event()
        beating = asyncio.create_task(heartbeat.beat(client, counter, stopping))
        syncing = asyncio.create_task(keep_in_sync(pool, client, stopping, config_sync_s))
        try:
            yield
        finally:
            stopping.set()
            beating.cancel()
            await asyncio.wait({beating, syncing}, timeout=2.0)
            syncing.cancel()
            await client.aclose()
            await pool.close()

    app = FastAPI(
        title="liqfade",
        version="0.1.0",
        lifespan=lifespan,
        description="Operations API of the liqfade bot. Reads PostgreSQL; writes only commands.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    for router in ROUTERS:
        app.include_router(router)
    add_docs(app, settings)
    app.add_middleware(heartbeat.CountRequests, counter=counter)

    _errors(app)
    return app


def _errors(app: FastAPI) -> None:
    """Every error is JSON with a `detail`; validation errors also list each bad field."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        return JSONResponse(
            {"detail": "invalid request", "errors": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )

    @app.exception_handler(ConfigInvalid)
    async def config_invalid(_request: Request, exc: ConfigInvalid) -> JSONResponse:
        return config_invalid_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def unavailable(_request: Request, exc: Exception) -> JSONResponse:
        logger.warning("dependency unavailable: {!r}", exc)
        return JSONResponse(
            {"detail": "a backing service (PostgreSQL or Redis) is unavailable; retry shortly"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    for kind in (PoolTimeout, psycopg.OperationalError, aioredis.ConnectionError, aioredis.TimeoutError):
        app.add_exception_handler(kind, unavailable)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.opt(exception=exc).error("unhandled error")
        return JSONResponse({"detail": "internal error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


def listening_socket(host: str, port: int) -> socket.socket:
    """The API's socket. An IPv6 host such as "::" also takes IPv4 (asyncio would make it IPv6-only, and
    Railway's private network is IPv6 while a local curl is IPv4)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve() -> int:
    settings = get_settings()
    refuse_to_start_without_secrets(["api"], settings, "run api")  # `liqfade run api` checked already
    runtime_logs.configure("api", settings.log_level, settings.redis_url)
    logger.info("starting api with settings {}", settings.masked())
    yield_cpu_to_trading(settings)
    sock = listening_socket(settings.api_host, settings.port or settings.api_port)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_config=None, proxy_headers=False))
    server.run(sockets=[sock])
    return 0


app = create_app()
