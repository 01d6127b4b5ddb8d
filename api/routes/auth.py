"""Sessions: login (rate-limited per real client address), a silent refresh, and logout that revokes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, Response, status
from loguru import logger

from api.deps import AdminUser, ServicesDep
from api.login_limit import client_address
from api.models import LoginRequest, Message, RefreshRequest, Token
from api.security import REFRESH_TTL_S, admin_from_token, create_token, credentials_match, new_session
from api.sessions import is_revoked, revoke

router = APIRouter(prefix="/api/auth", tags=["auth"])
NO_STORE = {"Cache-Control": "no-store"}


def _stamp(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


@router.post("/login", response_model=Token, responses={401: {"model": Message}, 429: {"model": Message}})
async def login(body: LoginRequest, request: Request, response: Response, services: ServicesDep) -> Token:
    address = client_address(request, services.settings)
    wait = await services.limiter.retry_after(address)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins from this address; try again later",
            headers={"Retry-After": str(wait)},
        )
    settings = services.settings
    matched = await asyncio.to_thread(  # argon2 takes tens of milliseconds: not on the event loop
        credentials_match, body.email, body.password, settings.admin_email,
        settings.admin_password.get_secret_value(), settings.admin_password_hash.get_secret_value())
    if not matched:
        await services.limiter.failed(address)
        logger.warning("failed login from {}", address)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    await services.limiter.succeeded(address)
    secret = settings.jwt_secret.get_secret_value()
    session = new_session()
    refresh, refresh_expires = create_token(secret, settings.admin_email, REFRESH_TTL_S, kind="refresh",
                                            session=session)
    access, expires = create_token(secret, settings.admin_email, services.token_ttl_s, session=session)
    logger.info("admin signed in from {}", address)
    response.headers.update(NO_STORE)
    return Token(access_token=access, expires_at=_stamp(expires),
                 refresh_token=refresh, refresh_expires_at=_stamp(refresh_expires))


@router.post("/refresh", response_model=Token, responses={401: {"model": Message}})
async def refresh(body: RefreshRequest, response: Response, services: ServicesDep) -> Token:
    """A new access token for the same session, while the session lasts and was not ended."""
    secret = services.settings.jwt_secret.get_secret_value()
    holder = admin_from_token(secret, body.refresh_token, "refresh")
    if await is_revoked(services.redis, holder):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "session ended (signed out)")
    ttl = min(services.token_ttl_s, holder.expires_at - int(datetime.now(UTC).timestamp()))
    access, expires = create_token(secret, holder.email, max(1, ttl), session=holder.session)
    response.headers.update(NO_STORE)
    return Token(access_token=access, expires_at=_stamp(expires),
                 refresh_token=body.refresh_token, refresh_expires_at=_stamp(holder.expires_at))


@router.post("/logout", response_model=Message, responses={401: {"model": Message}})
async def logout(admin: AdminUser, services: ServicesDep) -> Message:
    """Ends the session: its access and refresh tokens are refused from now on, and its live streams end."""
    await revoke(services.redis, admin)
    logger.info("admin signed out (session {}…)", admin.session[:6])
    return Message(detail="signed out")
