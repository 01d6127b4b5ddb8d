"""The admin password: argon2id hashes (`liqfade admin hash-password`) and the values nobody may use."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_CHARS = 12
MIN_SECRET_CHARS = 32
# Values published in this repository or its history (old defaults, docs, .env.example). A value starting
# with one of PLACEHOLDER_PREFIXES is a template nobody filled in.
KNOWN_DEMO_VALUES = frozenset({
    "change-me-demo-only", "demo-password", "admin", "password", "changeme", "liqfade",
})
PLACEHOLDER_PREFIXES = ("change-me", "replace-me", "changeme", "your-", "<")

_hasher = PasswordHasher()  # argon2id with RFC 9106's low-memory parameters


def is_public_value(value: str) -> bool:
    folded = value.strip().lower()
    return folded in KNOWN_DEMO_VALUES or folded.startswith(PLACEHOLDER_PREFIXES)


def password_problem(password: str) -> str | None:
    """Why this password may not guard the controls, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if is_public_value(password):
        return "is a published demo or placeholder value"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_argon2id(encoded: str) -> bool:
    return encoded.startswith("$argon2id$")


def hash_matches(encoded: str, password: str) -> bool:
    """The password against an argon2id hash. A malformed hash matches nothing (the start check names it)."""
    try:
        return _hasher.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_of_public_value(encoded: str) -> bool:
    """Whether a hash was made from a demo or placeholder value (checked once, at start)."""
    return any(hash_matches(encoded, value) for value in KNOWN_DEMO_VALUES)
