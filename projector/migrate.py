"""Plain SQL migrations, applied in order at start, recorded in `schema_migrations`.

An advisory lock makes concurrent starters (projector, API) apply each file exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from loguru import logger

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 7_811_890_823_168_917_761  # arbitrary, fixed: the migration lock of this schema


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[str, Path]]:
    """(version, path) for every `NNN_name.sql`, in version order."""
    found = [(path.name.split("_", 1)[0], path) for path in directory.glob("*.sql")]
    return sorted(found, key=lambda item: int(item[0]))


def apply_migrations(conn: psycopg.Connection[Any], directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the files not yet recorded; returns the versions applied now."""
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {str(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, path in migration_files(directory):
            if version in done:
                continue
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (version, path.name))
            applied_now.append(version)
    if applied_now:
        logger.info("applied migrations {}", applied_now)
    return applied_now


def migrate(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return apply_migrations(conn)
