"""Projector fixtures: a migrated database and a helper that projects until the streams are drained."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from projector.handler import ProjectionHandler
from projector.migrate import migrate
from runtime.consumer import Consumer


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    migrate(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


def drain(projector: Consumer[ProjectionHandler], rounds: int = 200) -> None:
    """Step until a read returns nothing twice in a row (recovery pass, then the live pass)."""
    projector.start()
    empty = 0
    for _ in range(rounds):
        empty = empty + 1 if projector.step() == 0 else 0
        if empty >= 2:
            return
