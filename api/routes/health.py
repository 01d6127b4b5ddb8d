"""Liveness and readiness, open to everyone and bare (Railway's health check reads them); the details, with
process ids, memory and stream lags, only for the admin."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import AdminUser, ServicesDep
from api.models import Health, HealthComponent, Liveness, Message, ProcessStatus
from api.queries import processes, utc_now
from schemas.streams import ALL_STREAMS

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=Liveness, responses={503: {"model": Liveness}})
async def health(services: ServicesDep, response: Response) -> Liveness:
    """`ok` when PostgreSQL and Redis answer, else `down` with 503."""
    up = await services.liveness.up(lambda: _no_unreachable(services))
    if not up:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Liveness(status="ok" if up else "down")


@router.get("/health/details", response_model=Health)
async def health_details(services: ServicesDep, _admin: AdminUser) -> Health:
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
    """PostgreSQL (migrated) and Redis answer: one query and one PING, not the details' stream scan."""
    down = await _unreachable(services, "SELECT 1 FROM schema_migrations LIMIT 1")
    if down:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"not ready: {' and '.join(down)} unreachable")
    return Message(detail="ready")


async def _no_unreachable(services: ServicesDep) -> bool:
    return not await _unreachable(services, "SELECT 1")


async def _unreachable(services: ServicesDep, probe: str) -> list[str]:
    """The backing services that do not answer within 2 s: "postgres", "redis", both or none."""
    down = []
    try:
        async with services.pool.connection(timeout=2.0) as conn:
            await conn.execute(probe)
    except Exception:  # any failure is the answer
        down.append("postgres")
    try:
        await asyncio.wait_for(services.redis.ping(), timeout=2.0)
    except Exception:  # any failure is the answer
        down.append("redis")
    return down


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
        async with services.redis.pipeline(transaction=False) as pipe:
            for stream in ALL_STREAMS:
                pipe.exists(stream)
            present = [s for s, there in zip(ALL_STREAMS, await pipe.execute(), strict=True) if there]
        async with services.redis.pipeline(transaction=False) as pipe:
            for stream in present:
                pipe.xinfo_groups(stream)
            answers: list[Any] = await pipe.execute()
        for groups in answers:
            for group in groups:
                name = group["name"].decode() if isinstance(group["name"], bytes) else str(group["name"])
                lags[name] = lags.get(name, 0) + int(group.get("lag") or 0) + int(group["pending"])
    except Exception as exc:  # any failure is the answer, not an error
        return HealthComponent(ok=False, detail=type(exc).__name__), lags
    return HealthComponent(ok=True, latency_ms=latency), lags
