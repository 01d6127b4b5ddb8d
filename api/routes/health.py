"""Liveness and readiness: open to everyone, and they reveal nothing secret."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.deps import ServicesDep
from api.models import Health, HealthComponent, Message, ProcessStatus
from api.queries import processes, utc_now
from schemas.streams import ALL_STREAMS

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=Health)
async def health(services: ServicesDep) -> Health:
    postgres, procs = await _postgres(services)
    redis_ok, lags = await _redis(services)
    healthy = postgres.ok and redis_ok.ok and bool(procs) and all(p.online for p in procs)
    return Health(
        status="ok" if healthy else "degraded",
        postgres=postgres,
        redis=redis_ok,
        processes=procs,
        stream_lag=lags,
    )


@router.get("/ready", response_model=Message, responses={503: {"model": Message}})
async def ready(services: ServicesDep) -> Message:
    postgres, _ = await _postgres(services)
    redis_ok, _ = await _redis(services)
    if not (postgres.ok and redis_ok.ok):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"not ready: postgres {postgres.detail or 'ok'}, redis {redis_ok.detail or 'ok'}",
        )
    return Message(detail="ready")


async def _postgres(services: ServicesDep) -> tuple[HealthComponent, list[ProcessStatus]]:
    started = time.perf_counter()
    try:
        async with services.pool.connection(timeout=2.0) as conn:
            await conn.execute("SELECT 1 FROM schema_migrations LIMIT 1")
            procs = await processes(conn, utc_now())
    except Exception as exc:  # any failure is the answer, not an error
        return HealthComponent(ok=False, detail=type(exc).__name__), []
    return HealthComponent(ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2)), procs


async def _redis(services: ServicesDep) -> tuple[HealthComponent, dict[str, int]]:
    started = time.perf_counter()
    lags: dict[str, int] = {}
    try:
        await services.redis.ping()
        latency = round((time.perf_counter() - started) * 1000, 2)
        for stream in ALL_STREAMS:
            groups: Any = (
                await services.redis.xinfo_groups(stream) if await services.redis.exists(stream) else []
            )
            for group in groups:
                name = group["name"].decode() if isinstance(group["name"], bytes) else str(group["name"])
                lags[name] = lags.get(name, 0) + int(group.get("lag") or 0) + int(group["pending"])
    except Exception as exc:  # any failure is the answer, not an error
        return HealthComponent(ok=False, detail=type(exc).__name__), lags
    return HealthComponent(ok=True, latency_ms=latency), lags
