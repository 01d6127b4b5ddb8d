"""Replays against outputs recorded by earlier code (tests/golden/README.md): the real CSVs, 30 tiled days of
them, and a paper and a live e2e session replayed from the `events` table. Recorded, never regenerated."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import orjson
import psycopg
import pytest

from bench.tiling import tile
from cli.main import main as liqfade
from projector.messages import decode_message
from projector.migrate import migrate
from projector.store import write_batch
from schemas.registry import FIELD

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CSV = GOLDEN / "csv_replay"
REAL = ["--liquidations", str(ROOT / "data" / "market" / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"),
        "--klines", str(ROOT / "data" / "market" / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv")]
THRESHOLDS = ["--config", str(CSV / "config_thresholds.json")]
HEARTBEAT = b'"type":"Heartbeat"'


def assert_csv_case(name: str, out: Path) -> None:
    expected = CSV / name
    decisions, beats = bytearray(), bytearray()
    with (out / "events.jsonl").open("rb") as f:
        for line in f:
            (beats if HEARTBEAT in line else decisions).extend(line)
    with gzip.open(expected / "expected_decisions.jsonl.gz", "rb") as f:
        assert bytes(decisions) == f.read()
    assert hashlib.sha256(beats).hexdigest() == (expected / "expected_heartbeats.sha256").read_text().strip()
    assert (out / "summary.json").read_bytes() == (expected / "expected_summary.json").read_bytes()


@pytest.mark.parametrize(("name", "args"), [("real_default", REAL), ("real_thresholds", [*REAL, *THRESHOLDS])])
def test_csv_replay_when_run_again_gives_the_recorded_outputs_byte_for_byte(
        name: str, args: list[str], tmp_path: Path) -> None:
    assert liqfade(["replay", *args, "--out", str(tmp_path)]) == 0
    assert_csv_case(name, tmp_path)


def test_csv_replay_of_30_tiled_days_when_run_again_gives_the_recorded_outputs(tmp_path: Path) -> None:
    tiles = tile(30, tmp_path / "in")
    assert liqfade(["replay", "--liquidations", str(tiles.liquidations), "--klines", str(tiles.klines),
                    *THRESHOLDS, "--out", str(tmp_path / "out")]) == 0
    assert_csv_case("tiled_30_thresholds", tmp_path / "out")


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_recorded_session_when_replayed_from_the_db_gives_the_recorded_replay_byte_for_byte(
        mode: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = GOLDEN / "sessions" / mode
    monkeypatch.chdir(ROOT)  # the summary names the config file as given: relative to the checkout
    migrate(database_url)
    with gzip.open(session / "entries.jsonl.gz", "rb") as f, psycopg.connect(database_url) as conn:
        rows = [orjson.loads(line) for line in f]
        write_batch(conn, [decode_message(r["stream"], r["id"], {FIELD: r["raw"].encode()}) for r in rows])
    window = orjson.loads((session / "window.json").read_bytes())
    out = tmp_path / "replay"
    assert liqfade(["replay", "--from-db", "--database-url", database_url, "--since", str(window["since"]),
                    "--until", str(window["until"]), "--warmup-minutes", "0",
                    "--config", str((session / "config.json").relative_to(ROOT)), "--out", str(out)]) == 0
    for name in ("events.jsonl", "diff.json", "summary.json"):
        assert (out / name).read_bytes() == (session / f"expected_{name}").read_bytes(), name
