"""`liqfade db migrate` and `liqfade db prune`: the retention prune as a one-off job (a Railway cron)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import psycopg
import pytest

from cli.main import main
from projector import partitions
from runtime.settings import get_settings
from tests.projector.session import T0
from tests.projector.test_prune import DAY, write_days


@pytest.fixture
def env(database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["db", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_db_prune_when_days_are_old_says_what_would_go_then_drops_them(
        env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate")[0] == 0
    with psycopg.connect(env, autocommit=True) as conn:
        write_days(conn, range(3))
    now = str(T0 + 10 * DAY)

    code, out, _ = run(capsys, "prune", "--dry-run", "--now", now)
    dry = orjson.loads(out)
    assert code == 0 and dry["dry_run"] and dry["window_days"] == 7 and dry["pruned_through"] is None
    assert [d["day"] for d in dry["dropped"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    with psycopg.connect(env) as conn:
        assert partitions.utc_day(T0) in partitions.window_days(conn)

    code, out, _ = run(capsys, "prune", "--now", now)

    report = orjson.loads(out)
    assert code == 0 and report["pruned_through"] == "2026-01-03" and report["info_logs_deleted"] == 3
    with psycopg.connect(env) as conn:
        assert partitions.utc_day(T0) not in partitions.window_days(conn)


def test_db_prune_when_the_window_is_out_of_bounds_exits_2(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prune", "--window-days", "1")
    assert code == 2 and out == "" and "--window-days must be 2..90" in err
