"""Admin authentication: HS256 JWTs, constant-time credential checks, and a login failure limiter."""

from __future__ import annotations

import hmac
import time
from collections import deque
from dataclasses import dataclass

import jwt
from fastapi import HTTPException, status

ALGORITHM = "HS256"
ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Admin:
    email: str


def create_token(secret: str, email: str, ttl_s: int, now: float | None = None) -> tuple[str, int]:
    issued = int(now if now is not None else time.time())
    expires = issued + ttl_s
    token = jwt.encode(
        {"sub": email, "role": ROLE, "iat": issued, "exp": expires}, secret, algorithm=ALGORITHM
    )
    return token, expires


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def admin_from_token(secret: str, token: str) -> Admin:
    """The admin a token names. 401 for anything not a valid, unexpired HS256 token; 403 for other roles."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _unauthorized("malformed token") from exc
    if header.get("alg") != ALGORITHM:  # refuse `none` and every other algorithm before verifying
        raise _unauthorized(f"token algorithm {header.get('alg')!r} is not accepted")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "role"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("token expired") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("invalid token") from exc
    if claims.get("role") != ROLE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin role required")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _unauthorized("token has no subject")
    return Admin(email=subject)


def credentials_match(email: str, password: str, admin_email: str, admin_password: str) -> bool:
    """Both compared in constant time, and both always compared. No password configured: nobody logs in."""
    email_ok = hmac.compare_digest(email.strip().lower().encode(), admin_email.strip().lower().encode())
    password_ok = hmac.compare_digest(password.encode(), admin_password.encode())
    return bool(admin_password) and email_ok and password_ok


class LoginLimiter:
    """At most `max_failures` failed logins per client address in a sliding window."""

    def __init__(self, max_failures: int = 5, window_s: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Seconds until this client may try again; 0 when it may try now."""
        now = time.monotonic() if now is None else now
        failures = self._failures.get(client)
        if failures is None:
            return 0
        while failures and now - failures[0] >= self.window_s:
            failures.popleft()
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(self.window_s - (now - failures[0])) + 1)

    def failed(self, client: str, now: float | None = None) -> None:
        self._failures.setdefault(client, deque()).append(time.monotonic() if now is None else now)
        if len(self._failures) > 10_000:  # bound memory under a spray of addresses
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
