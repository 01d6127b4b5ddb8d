"""What a process refuses to start without. Run by `liqfade run <worker>` and `liqfade up`, not by the
settings class, so tools that need none of it (`liqfade replay --from-db`, the OpenAPI generator) still run.

The API guards the operator's controls: a JWT secret, an admin password (or its argon2id hash) and the
secret the dashboard vouches for client addresses with, none of them short or published, in every mode.
The trading workers hold no operator secret (least privilege); in live mode they need the Binance keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from runtime.passwords import (
    MIN_SECRET_CHARS,
    hash_of_public_value,
    is_argon2id,
    is_public_value,
    password_problem,
)
from runtime.settings import Settings

TRADING_WORKERS = frozenset({"ingest", "strategy", "governor", "executor"})


class SecretsRefused(SystemExit):
    """The process must not start. The message names each setting and never its value."""

    def __init__(self, role: str, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"liqfade {role}: refusing to start:\n{lines}\n"
                         "See README.md, 'Secrets', for how to set them.")
        self.problems = problems


def secret_problem(name: str, value: str) -> str | None:
    if not value:
        return f"{name} is not set (at least {MIN_SECRET_CHARS} random characters: "\
               "python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} must be at least {MIN_SECRET_CHARS} characters"
    if is_public_value(value):
        return f"{name} is a published demo or placeholder value"
    return None


def api_problems(settings: Settings) -> list[str]:
    jwt_secret = settings.jwt_secret.get_secret_value()
    dashboard_secret = settings.dashboard_secret.get_secret_value()
    problems = [p for p in (secret_problem("JWT_SECRET", jwt_secret),
                            secret_problem("DASHBOARD_SECRET", dashboard_secret)) if p]
    if jwt_secret and jwt_secret == dashboard_secret:
        problems.append("DASHBOARD_SECRET must differ from JWT_SECRET")
    problems += _password_problems(settings)
    return problems


def _password_problems(settings: Settings) -> list[str]:
    password = settings.admin_password.get_secret_value()
    encoded = settings.admin_password_hash.get_secret_value()
    if password and encoded:
        return ["set ADMIN_PASSWORD or ADMIN_PASSWORD_HASH, not both"]
    if encoded:
        if not is_argon2id(encoded):
            return ["ADMIN_PASSWORD_HASH is not an argon2id hash (make one with `liqfade admin hash-password`)"]
        if hash_of_public_value(encoded):
            return ["ADMIN_PASSWORD_HASH is the hash of a published demo value"]
        return []
    if not password:
        return ["ADMIN_PASSWORD (or ADMIN_PASSWORD_HASH) is not set"]
    problem = password_problem(password)
    return [f"ADMIN_PASSWORD {problem}"] if problem else []


def trading_problems(settings: Settings) -> list[str]:
    if settings.trading_mode != "live":
        return []
    if settings.binance_api_key.get_secret_value() and settings.binance_api_secret.get_secret_value():
        return []
    return ["BINANCE_API_KEY and BINANCE_API_SECRET are required when TRADING_MODE=live"]


def problems_for(processes: Iterable[str], settings: Settings) -> list[str]:
    """Everything the named processes (Procfile names) need and lack, each problem once."""
    names = set(processes)
    found: list[str] = []
    if "api" in names:
        found += api_problems(settings)
    if names & TRADING_WORKERS:
        found += trading_problems(settings)
    return found


def refuse_to_start_without_secrets(processes: Iterable[str], settings: Settings, role: str) -> None:
    problems = problems_for(processes, settings)
    if problems:
        raise SecretsRefused(role, problems)
