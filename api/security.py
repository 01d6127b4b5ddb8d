"""Admin tokens: HS256 JWTs with a token id (`jti`) and a session id (`sid`). A login opens a session with a
short-lived access token and a refresh token; logging out revokes the session (api/sessions.py)."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import jwt
from fastapi import HTTPException, status

from runtime.passwords import hash_matches

ALGORITHM = "HS256"
ROLE = "admin"
ACCESS_TTL_S = 15 * 60
REFRESH_TTL_S = 12 * 3600  # the longest a session lives; a revocation is kept this long
TokenType = Literal["access", "refresh"]


@dataclass(frozen=True, slots=True)
class Admin:
    email: str
    session: str = ""  # sid: every token of one login
    token_id: str = ""  # jti
    expires_at: int = 0  # epoch seconds


def new_session() -> str:
    """The `sid` of one login: its access and refresh tokens carry it, and logout revokes it."""
    return secrets.token_urlsafe(16)


def create_token(secret: str, email: str, ttl_s: int, now: float | None = None, *,
                 kind: TokenType = "access", session: str | None = None) -> tuple[str, int]:
    issued = int(now if now is not None else time.time())
    expires = issued + ttl_s
    claims = {"sub": email, "role": ROLE, "typ": kind, "sid": session or new_session(),
              "jti": secrets.token_urlsafe(16), "iat": issued, "exp": expires}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def admin_from_token(secret: str, token: str, kind: TokenType = "access") -> Admin:
    """The admin a token names. 401 for anything not a valid, unexpired HS256 token of this kind; 403 for
    other roles. Revocation is checked by the caller (it needs Redis)."""
    if not secret:
        raise _unauthorized("the API has no JWT secret: nobody is signed in")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _unauthorized("malformed token") from exc
    if header.get("alg") != ALGORITHM:  # refuse `none` and every other algorithm before verifying
        raise _unauthorized(f"token algorithm {header.get('alg')!r} is not accepted")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "role", "typ", "sid", "jti"]})
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("token expired") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("invalid token") from exc
    if claims.get("role") != ROLE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin role required")
    if claims.get("typ") != kind:
        raise _unauthorized(f"not an {kind} token" if kind == "access" else f"not a {kind} token")
    subject, session, token_id = claims.get("sub"), claims.get("sid"), claims.get("jti")
    if not all(isinstance(v, str) and v for v in (subject, session, token_id)):
        raise _unauthorized("token lacks a subject, session or id")
    return Admin(email=str(subject), session=str(session), token_id=str(token_id), expires_at=int(claims["exp"]))


def credentials_match(email: str, password: str, admin_email: str, admin_password: str,
                      admin_password_hash: str = "") -> bool:
    """Email compared in constant time, password against the argon2id hash when one is set, else in constant
    time against the plain value. Both are always compared. No password configured: nobody logs in."""
    email_ok = hmac.compare_digest(email.strip().lower().encode(), admin_email.strip().lower().encode())
    if admin_password_hash:
        return hash_matches(admin_password_hash, password) and email_ok
    password_ok = hmac.compare_digest(password.encode(), admin_password.encode())
    return bool(admin_password) and email_ok and password_ok
