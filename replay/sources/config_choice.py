"""The config an incident replay runs with: `--config-version` from the log, else `--config FILE`, else the
version active at the replay start in the log, else config/default.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg

from replay.sources.event_log import at_datetime, load_from_redis
from runtime.config_store import DEFAULT_CONFIG_FILE
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.streams import COMMANDS

LogSource = Literal["db", "redis"]


@dataclass(frozen=True, slots=True)
class ChosenConfig:
    config: BotConfig
    origin: str  # how it was chosen, for the report


class NoSuchVersion(Exception):
    """`--config-version` names a version the log does not hold."""


def choose_config(source: LogSource, url: str, version: int | None, config_file: str,
                  start: int | None) -> ChosenConfig:
    """Raises NoSuchVersion, and whatever reading the source or validating the config raises."""
    if source == "db":
        found = db_config(url, version, start if start is not None else 0)
    else:
        found = redis_config(url, version, start)
    if version is not None:
        if found is None:
            where = "bot_config" if source == "db" else "the commands stream"
            raise NoSuchVersion(f"--config-version {version}: no such version in {where}")
        return found
    if config_file:
        return ChosenConfig(BotConfig.model_validate_json(Path(config_file).read_bytes()), f"file {config_file}")
    if found is not None:
        return found
    file = DEFAULT_CONFIG_FILE
    config = BotConfig.model_validate_json(file.read_bytes()) if file.exists() else BotConfig()
    return ChosenConfig(config, "default config (no version recorded before the replay start)")


def db_config(url: str, version: int | None, at_ms: int) -> ChosenConfig | None:
    """Version `version` from `bot_config`, or the version active at `at_ms` (the newest created by then:
    publish and rollback always create the highest version). None when there is no such row."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        if version is not None:
            row = conn.execute("SELECT version, config::text FROM bot_config WHERE version = %s",
                               (version,)).fetchone()
            origin = "bot_config v{} (--config-version)"
        else:
            row = conn.execute("SELECT version, config::text FROM bot_config WHERE created_at <= %s"
                               " ORDER BY version DESC LIMIT 1", (at_datetime(at_ms),)).fetchone()
            origin = "bot_config v{} (active at the replay start)"
    if row is None:
        return None
    return ChosenConfig(BotConfig.model_validate_json(row[1]), origin.format(row[0]))


def redis_config(url: str, version: int | None, at_ms: int | None) -> ChosenConfig | None:
    """The config of a `ConfigPublished` still on the commands stream: version `version`, or the last
    one published at or before `at_ms` (None: the last one)."""
    published = [r.envelope for r in load_from_redis(url, None, None, streams=(COMMANDS,)).events
                 if isinstance(r.envelope.payload, ConfigPublished)]
    chosen: ConfigPublished | None = None
    for envelope in published:
        payload = envelope.payload
        assert isinstance(payload, ConfigPublished)
        if version is not None:
            if payload.version == version:
                chosen = payload
        elif at_ms is None or envelope.ts <= at_ms:
            chosen = payload
    if chosen is None:
        return None
    how = "--config-version" if version is not None else "last published before the replay start"
    return ChosenConfig(chosen.config, f"ConfigPublished v{chosen.version} on {COMMANDS} ({how})")
