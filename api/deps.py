"""Dependencies shared by the routes: services, database connection, Redis, the admin, idempotency keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from api.liveness import LivenessCache
from api.login_limit import LoginLimiter
from api.security import ACCESS_TTL_S, Admin, admin_from_token
from api.sessions import is_revoked
from runtime.settings import Settings


@dataclass
class Services:
    settings: Settings
    pool: AsyncConnectionPool[Any]
    redis: aioredis.Redis
    limiter: LoginLimiter
    token_ttl_s: int = ACCESS_TTL_S
    control_wait_s: float = 2.0  # how long a control POST waits for the governor's answer
    health_wait_s: float = 5.0  # how long the health check waits for the executor
    # the public /api/health: one PostgreSQL and one Redis call per 2 s however many ask
    liveness: LivenessCache = field(default_factory=LivenessCache)
    open_streams: dict[str, int] = field(default_factory=dict)  # live streams per session (sid), this instance


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_db(services: ServicesDep) -> AsyncIterator[AsyncConnection[dict[str, Any]]]:
    async with services.pool.connection() as conn:
        yield conn


DbDep = Annotated[AsyncConnection[dict[str, Any]], Depends(get_db)]

TradingMode = Literal["paper", "live"]


def trading_mode(services: ServicesDep) -> TradingMode:
    """TRADING_MODE of this process (the workers run the same): a published config must say this mode.
    A dependency, so a test can run the API as if it were live (`app.dependency_overrides`)."""
    return services.settings.trading_mode


TradingModeDep = Annotated[TradingMode, Depends(trading_mode)]

bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/auth/login")


async def current_admin(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Admin:
    """The admin of a valid access token whose session was not ended. Redis unreachable: 503 (the token
    cannot be checked), never a pass."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    admin = admin_from_token(services.settings.jwt_secret.get_secret_value(), credentials.credentials)
    if await is_revoked(services.redis, admin):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "session ended (signed out)", headers={"WWW-Authenticate": "Bearer"}
        )
    return admin


AdminUser = Annotated[Admin, Depends(current_admin)]

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", description="required on every POST")] = None,
) -> str:
    if key is None or not key.strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the Idempotency-Key header is required")
    if not _KEY.match(key):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "Idempotency-Key must be 1-200 printable ASCII characters without spaces",
        )
    return key


IdemKey = Annotated[str, Depends(idempotency_key)]
