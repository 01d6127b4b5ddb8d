"""Environment settings (12-factor). Secrets are never printed: `masked()` is what gets logged."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/liqfade"


class Settings(BaseSettings):
    # an empty variable means unset (a deployment's template leaves some blank)
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True)

    redis_url: str = DEFAULT_REDIS_URL
    database_url: str = DEFAULT_DATABASE_URL
    trading_mode: Literal["paper", "live"] = "paper"
    binance_api_key: SecretStr = SecretStr("")
    binance_api_secret: SecretStr = SecretStr("")
    binance_futures_base_url: str = "https://fapi.binance.com"
    # The operator's controls (checked when a process starts: runtime/secret_checks.py, not here, so tools
    # such as `liqfade replay --from-db` run without them)
    jwt_secret: SecretStr = SecretStr("")
    admin_email: str = "admin@liqfade.local"
    admin_password: SecretStr = SecretStr("")
    admin_password_hash: SecretStr = SecretStr("")  # argon2id, from `liqfade admin hash-password`
    dashboard_secret: SecretStr = SecretStr("")  # shared with the dashboard: it vouches for client addresses
    api_docs: bool = False  # /docs and /openapi.json (never in live mode)
    alert_webhook_url: SecretStr = SecretStr("")
    alert_feed_down_seconds: int = 30  # notify when a feed is stale or disconnected this long
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    liqfade_config: str = ""  # path of a config file used when no version is active in Redis
    api_host: str = "127.0.0.1"  # "::" is every interface of both IP families (the images use it)
    api_port: int = 8000
    port: int | None = None  # PORT, which Railway injects: the API listens there when it is set
    # the projector, notifier and API run this many nice steps below the trading path (runtime.worker)
    background_nice: int = Field(10, ge=0, le=19)

    def masked(self) -> dict[str, object]:
        """The settings as they may be logged: secrets replaced, passwords in URLs hidden."""
        shown: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                shown[name] = "***" if value.get_secret_value() else ""
            elif name.endswith("_url") and isinstance(value, str):
                shown[name] = _hide_password(value)
            else:
                shown[name] = value
        return shown


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


class SettingsInvalid(ValueError):
    """The environment cannot run the bot. The message names each setting and what is wrong with it, and
    never the value given (it may be a secret)."""


def setting_problems(exc: ValidationError) -> list[str]:
    """Each invalid setting by its variable name and what is wrong, never the value given."""
    return [f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors(include_input=False, include_url=False)]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(setting_problems(exc))
    # raised outside the handler: the validation error (which quotes the inputs) is not even its context
    raise SettingsInvalid(f"invalid environment settings: {problems}")
