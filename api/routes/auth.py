"""Login: the admin's email and password for a short-lived JWT. Failed attempts are rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, status

from api.deps import ServicesDep
from api.models import LoginRequest, Message, Token
from api.security import create_token, credentials_match

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=Token, responses={401: {"model": Message}, 429: {"model": Message}})
async def login(body: LoginRequest, request: Request, services: ServicesDep) -> Token:
    client = request.client.host if request.client else "unknown"
    wait = services.limiter.retry_after(client)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins; try again later",
            headers={"Retry-After": str(wait)},
        )
    settings = services.settings
    if not credentials_match(
        body.email, body.password, settings.admin_email, settings.admin_password.get_secret_value()
    ):
        services.limiter.failed(client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    services.limiter.succeeded(client)
    token, expires = create_token(
        settings.jwt_secret.get_secret_value(), settings.admin_email, services.token_ttl_s
    )
    return Token(access_token=token, expires_at=datetime.fromtimestamp(expires, UTC))
