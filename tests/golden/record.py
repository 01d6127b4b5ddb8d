"""Record golden outputs with the code as it is now (see tests/golden/README.md). Never run it to make a test
pass: a golden file is the past, and a recording made by the code under test proves nothing about it.

    python -m tests.golden.record csv          # the CSV replays (seconds)
    python -m tests.golden.record sessions     # a paper and a live e2e session (minutes each)
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.tiling import tile
from cli.main import main as liqfade

GOLDEN = Path(__file__).resolve().parent
CSV_DIR = GOLDEN / "csv_replay"
SESSIONS_DIR = GOLDEN / "sessions"
HEARTBEAT = b'"type":"Heartbeat"'


def split_heartbeats(events: Path) -> tuple[bytes, bytes]:
    decisions, beats = bytearray(), bytearray()
    with events.open("rb") as f:
        for line in f:
            (beats if HEARTBEAT in line else decisions).extend(line)
    return bytes(decisions), bytes(beats)


def record_csv_case(name: str, args: list[str], *, days: int = 1) -> None:
    dest = CSV_DIR / name
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tiles = tile(days, Path(tmp) / "in") if days > 1 else None
        inputs = ["--liquidations", str(tiles.liquidations), "--klines", str(tiles.klines)] if tiles else []
        assert liqfade(["replay", *inputs, *args, "--out", f"{tmp}/out"]) == 0
        decisions, beats = split_heartbeats(Path(tmp) / "out" / "events.jsonl")
        with gzip.GzipFile(dest / "expected_decisions.jsonl.gz", "wb", mtime=0) as f:
            f.write(decisions)
        (dest / "expected_heartbeats.sha256").write_text(hashlib.sha256(beats).hexdigest() + "\n")
        shutil.copy(Path(tmp) / "out" / "summary.json", dest / "expected_summary.json")


def record_csv() -> None:
    real = ["--liquidations", "data/market/binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv",
            "--klines", "data/market/binance_um_klines_BTCUSDT_1m_2025-10-22.csv"]
    thresholds = ["--config", "tests/golden/csv_replay/config_thresholds.json"]
    record_csv_case("real_default", real)
    record_csv_case("real_thresholds", [*real, *thresholds])
    record_csv_case("tiled_30_thresholds", thresholds, days=30)


def record_session(mode: str) -> None:
    """One e2e_tp session (every worker a process, the simulator playing the scenario), its `events` table
    exported as stream entries, and `liqfade replay --from-db` of it."""
    from tests.e2e.harness import BIN, ROOT, Harness
    from tests.e2e.make_scenarios import LIVE_AT
    from tests.e2e.test_scenarios import CONFIG, one_trade

    dest = SESSIONS_DIR / mode
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(Path(tmp) / "h", ROOT / "simulator" / "scenarios" / "e2e_tp.json", LIVE_AT, CONFIG,
                    mode="live" if mode == "live" else "paper")
        with h:
            one_trade(h, "TP")
            h.wait_projected()
            [row] = h.sql("SELECT min(ts_ms) AS first, max(ts_ms) FILTER (WHERE type = 'PositionClosed') AS closed"
                          " FROM events")
            time.sleep(max(0.0, (row["closed"] + 62_000) / 1000 - time.time()))  # the replay reads 60 s past
            h.wait_projected()
            rows = h.sql("SELECT stream, stream_id, raw FROM events ORDER BY stream, stream_id")
            with gzip.GzipFile(dest / "entries.jsonl.gz", "wb", mtime=0) as f:
                for r in rows:
                    f.write(orjson.dumps({"stream": r["stream"], "id": r["stream_id"], "raw": r["raw"]}) + b"\n")
            (dest / "config.json").write_bytes(orjson.dumps(h.config.model_dump(mode="json"),
                                                            option=orjson.OPT_INDENT_2))
            window = {"since": row["first"], "until": row["closed"]}
            (dest / "window.json").write_bytes(orjson.dumps(window))
            out = Path(tmp) / "replay"
            done = subprocess.run(
                [str(BIN / "liqfade"), "replay", "--from-db", "--since", str(window["since"]),
                 "--until", str(window["until"]), "--warmup-minutes", "0",
                 "--config", str((dest / "config.json").relative_to(ROOT)), "--out", str(out)],
                cwd=ROOT, env=h.env(), capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
            for name in ("events.jsonl", "diff.json", "summary.json"):
                shutil.copy(out / name, dest / f"expected_{name}")
            print(f"{mode}: {len(rows)} entries, replay identical: "
                  f"{orjson.loads((out / 'diff.json').read_bytes())['identical']}")


if __name__ == "__main__":
    what = sys.argv[1:] or ["csv", "sessions"]
    if "csv" in what:
        record_csv()
    if "sessions" in what:
        record_session("paper")
        record_session("live")
