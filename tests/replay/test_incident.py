"""`liqfade replay --from-db/--from-redis`: re-run the cores over a recorded session and name the first
divergence. The session is the real CSV day run through the three cores with lowered thresholds, stored
as live would store it: inputs and outputs in production order, stream ids from one Redis-like clock."""

from __future__ import annotations

import argparse
import functools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
import redis
from psycopg.types.json import Jsonb

from cli.main import build_parser
from cli.replay_cmd import run
from projector.messages import DecodedMessage
from projector.migrate import migrate
from projector.prune import prune
from projector.store import write_batch
from replay.compare import compare
from replay.cores import make_cores
from replay.drivers import ReplayDriver, ScheduledReplay, Step
from replay.sources import market_csv
from replay.sources.recording import Recorded, parse_time
from runtime.core import Emit, envelopes
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.market import BookTickerUpdated
from schemas.registry import FIELD, encode, stream_of

ROOT = Path(__file__).resolve().parents[2]
LIQUIDATIONS = ROOT / "data" / "market" / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINES = ROOT / "data" / "market" / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"
FIRST_SETUP = "BTCUSDT-LONG-1761165177358"


def config_with(btc: int, eth: int, version: int) -> BotConfig:
    data = orjson.loads((ROOT / "config" / "default.json").read_bytes())
    data["version"] = version
    data["signal"]["min_liq_usd"] = {"BTCUSDT": btc, "ETHUSDT": eth}
    return BotConfig.model_validate_json(orjson.dumps(data))


LOW = config_with(100_000, 150_000, 1)
HIGH = config_with(2_500_000, 1_250_000, 2)


@functools.cache
def session() -> tuple[Recorded, ...]:
    """What live would have appended, in append order: before an input arrives at T, the timers due by T
    have fired; each append gets a later stream id (ms) than the one before, never earlier than its ts."""
    report = market_csv.CsvReport()
    inputs = market_csv.in_exchange_order(
        market_csv.liquidation_events(LIQUIDATIONS, report),
        market_csv.kline_events(KLINES, spread_bps=Decimal(1), report=report))
    driver = ReplayDriver(make_cores([], LOW))
    produced: list[Envelope] = []
    for event in inputs:
        driver.start = event.ts if driver.start is None else driver.start
        driver.now = max(driver.now, event.ts)
        produced.extend(driver.fire_timers(driver.now))
        produced.append(event)
        produced.extend(driver.dispatch(event))
    produced.extend(driver.fire_timers(inputs[-1].ts + 900_000))
    recorded: list[Recorded] = []
    clock = 0
    for envelope in produced:
        clock = max(envelope.ts, clock + 1)
        recorded.append(Recorded(stream_of(envelope.payload), f"{clock}-0", envelope))
    return tuple(recorded)


def start_ms() -> int:
    return min(r.envelope.ts for r in session())


def end_ms() -> int:
    return max(r.envelope.ts for r in session())


def the(type_: str, correlation_id: str | None = None) -> Recorded:
    return next(r for r in session() if r.envelope.type == type_
                and (correlation_id is None or r.envelope.correlation_id == correlation_id))


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@pytest.fixture
def db(database_url: str) -> str:
    """The session in `events` (through the projector's own writer), v1 active from before it, v2 after."""
    migrate(database_url)
    store_session(database_url)
    return database_url


@pytest.fixture
def db_with_older_days(database_url: str) -> str:
    """The session, after ten earlier days of book tickers (one every 30 minutes) that a prune can remove."""
    migrate(database_url)
    first = start_ms() - start_ms() % 86_400_000 - 10 * 86_400_000
    older = [Envelope(id=f"{ts:013d}-older", type=BookTickerUpdated.TYPE, v=1, ts=ts, source="ingest",
                      payload=BookTickerUpdated(symbol="BTCUSDT", bid=Decimal("108000.0"), bid_qty=Decimal(1),
                                                ask=Decimal("108000.1"), ask_qty=Decimal(1), update_id=ts))
             for ts in range(first, first + 10 * 86_400_000, 1_800_000)]
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [DecodedMessage("md.BTCUSDT", f"{e.ts}-0", encode(e).decode(), e) for e in older])
    store_session(database_url)
    return database_url


def store_session(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [DecodedMessage(r.stream, r.stream_id, encode(r.envelope).decode(), r.envelope)
                           for r in session()])
        for config, created in ((LOW, at(start_ms()) - timedelta(days=1)), (HIGH, at(end_ms()) + timedelta(days=1))):
            conn.execute("INSERT INTO bot_config (version, config, author, created_at) VALUES (%s, %s, 'test', %s)",
                         (config.version, Jsonb(config.model_dump(mode="json")), created))
        conn.commit()


@pytest.fixture
def streams(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    pipe = client.pipeline(transaction=False)
    for r in session():
        pipe.xadd(r.stream, {FIELD: encode(r.envelope)}, id=r.stream_id)
    pipe.execute()
    client.close()
    return redis_url


def replay(*argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(["replay", *argv])
    return run(args)


def from_db(url: str, *extra: str) -> tuple[str, ...]:
    return ("--from-db", "--database-url", url, "--since", str(start_ms()), "--until", str(end_ms()), *extra)


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def test_session_when_built_holds_a_whole_setup_and_trade() -> None:
    types = {r.envelope.type for r in session()}
    assert {"SetupDetected", "SetupConfirmed", "EntryApproved", "PositionOpened", "PositionClosed"} <= types


def test_replay_from_db_when_log_is_unchanged_exits_0_with_no_divergence(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = replay(*from_db(db), "--out", str(tmp_path))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "IDENTICAL" in out
    assert "config v1 from bot_config v1 (active at the replay start)" in out
    summary, diff = read_json(tmp_path / "summary.json"), read_json(tmp_path / "diff.json")
    assert summary["identical"] is True and summary["config_version"] == 1
    assert diff["first_divergence"] is None
    assert diff["by_type"]["PositionClosed"] == {"recorded": 1, "replayed": 1}
    assert "strategy -> signals" in diff["lanes"] and "executor -> executions" in diff["lanes"]
    replayed = [orjson.loads(line) for line in (tmp_path / "events.jsonl").read_bytes().splitlines()]
    assert len(replayed) == summary["replayed_outputs"] == summary["recorded_outputs"]


def test_replay_from_db_when_an_output_was_tampered_exits_1_naming_it(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    confirmed = the("SetupConfirmed")
    raw = encode(confirmed.envelope).decode()
    forged = raw.replace(f'"liq_usd":"{confirmed.envelope.payload.liq_usd}"', '"liq_usd":"1"')  # type: ignore[attr-defined]
    assert forged != raw
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE events SET raw = %s WHERE stream_id = %s AND stream = %s",
                     (forged, confirmed.stream_id, confirmed.stream))
    code = replay(*from_db(db), "--out", str(tmp_path))
    out = capsys.readouterr().out
    assert code == 1
    first = read_json(tmp_path / "diff.json")["first_divergence"]
    assert first["lane"] == "strategy -> signals"
    assert first["recorded"]["stream_id"] == confirmed.stream_id
    assert first["recorded"]["envelope"]["payload"]["liq_usd"] == "1"
    assert first["replayed"]["envelope"]["type"] == "SetupConfirmed"
    assert first["replayed"]["envelope"]["payload"]["liq_usd"] == str(confirmed.envelope.payload.liq_usd)  # type: ignore[attr-defined]
    assert "DIVERGED" in out and "lane strategy -> signals" in out


def test_replay_from_db_when_config_version_has_a_higher_threshold_diverges_at_the_first_setup(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = replay(*from_db(db, "--config-version", "2", "--timing", "virtual", "--out", str(tmp_path)))
    out = capsys.readouterr().out
    assert code == 1
    assert "config v2 from bot_config v2 (--config-version)" in out
    first = read_json(tmp_path / "diff.json")["first_divergence"]
    assert first["lane"] == "strategy -> signals"
    assert first["recorded"]["envelope"]["type"] == "SetupDetected"
    assert first["recorded"]["envelope"]["correlation_id"] == FIRST_SETUP
    assert first["replayed"] is None  # at 2.5M USD nothing is detected
    assert read_json(tmp_path / "summary.json")["config_version"] == 2


def test_replay_from_db_when_rows_are_undecodable_counts_and_skips_them(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    middle = session()[len(session()) // 2]
    bad = [DecodedMessage("md.BTCUSDT", f"{end_ms() + 1}-0", '{"type": "KlineClosed", "v": 1, "ts": '
                 f'{middle.envelope.ts}, "payload": {{"symbol": 7}}}}', None, "malformed: payload"),
           DecodedMessage("md.BTCUSDT", f"{end_ms() + 1}-1", "not json at all", None, "malformed: not JSON")]
    with psycopg.connect(db) as conn:
        write_batch(conn, bad)
    code = replay(*from_db(db))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "skipped undecodable: 1 {'undecoded:malformed': 1}" in out  # the one without ts is out of the window


def test_replay_from_db_when_only_the_governor_runs_feeds_it_recorded_signals_and_executions(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = replay(*from_db(db, "--cores", "governor", "--out", str(tmp_path)))
    out = capsys.readouterr().out
    assert code == 0, out
    lanes = read_json(tmp_path / "diff.json")["lanes"]
    assert set(lanes) == {"governor -> intents", "governor -> state"}
    assert lanes["governor -> intents"]["recorded"] >= 1


def test_replay_from_db_when_window_starts_mid_session_in_virtual_time_warms_up_and_matches(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    since, until = "2025-10-22T20:00:00", "2025-10-22T21:30:00+00:00"
    window = ("--from-db", "--database-url", db, "--since", since, "--until", until, "--timing", "virtual")
    code = replay(*window, "--out", str(tmp_path))
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_json(tmp_path / "summary.json")
    assert summary["inputs_from"] == parse_time(since) - 30 * 60_000
    assert summary["recorded_outputs"] > 0
    no_warmup = replay(*window, "--warmup-minutes", "0")
    assert no_warmup == 1, "without history the volume check cannot confirm the setup"
    assert "DIVERGED" in capsys.readouterr().out


def test_replay_from_db_when_recorded_timing_starts_after_the_session_start_diverges_and_says_why(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = replay("--from-db", "--database-url", db, "--since", "2025-10-22T20:00:00", "--until",
                  "2025-10-22T21:30:00")
    out = capsys.readouterr().out
    assert code == 1, out
    assert "lane governor -> state, event #0" in out  # still BOOTING: the executor booted before the inputs
    assert "start the inputs at or before the workers' start" in out


def test_replay_from_redis_when_streams_are_unchanged_exits_0_and_skips_undecodable_entries(
        streams: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = redis.Redis.from_url(streams)
    client.xadd("md.BTCUSDT", {FIELD: b"\x00garbage"}, id=f"{end_ms()}-999999")
    client.xadd("feed", {b"other": b"field"}, id=f"{end_ms()}-999999")
    client.close()
    code = replay("--from-redis", "--redis-url", streams, "--config", str(write_config(tmp_path, LOW)),
                  "--out", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert read_json(tmp_path / "out" / "summary.json")["skipped_undecodable"] == {"malformed": 2}
    assert "IDENTICAL" in out


def test_replay_from_redis_when_an_output_is_missing_exits_1_naming_it(
        streams: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    closed = the("PositionClosed")
    client = redis.Redis.from_url(streams)
    assert client.xdel(closed.stream, closed.stream_id) == 1
    client.close()
    code = replay("--from-redis", "--redis-url", streams, "--since", str(start_ms()), "--until", str(end_ms()),
                  "--config", str(write_config(tmp_path, LOW)), "--out", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert code == 1, out
    first = read_json(tmp_path / "out" / "diff.json")["first_divergence"]
    assert first["lane"] == "executor -> executions"
    assert first["replayed"]["envelope"]["type"] == "PositionClosed"
    assert first["replayed"]["envelope"]["correlation_id"] == closed.envelope.correlation_id


def test_replay_from_redis_when_a_version_was_published_before_starts_with_it(
        streams: str, capsys: pytest.CaptureFixture[str]) -> None:
    published_at = start_ms() - 3 * 3_600_000  # before the inputs start: chosen, not replayed
    client = redis.Redis.from_url(streams)
    for config in (HIGH.model_copy(update={"version": 0}), LOW):
        command = ConfigPublished(idempotency_key=f"k{config.version}", actor="test", version=config.version,
                                  config=config)
        envelope = envelopes([Emit(command)], source="api", cause_id=f"publish{config.version}",
                             now=published_at + config.version)[0]
        client.xadd("commands", {FIELD: encode(envelope)}, id=f"{envelope.ts}-0")
    client.close()
    code = replay("--from-redis", "--redis-url", streams, "--since", str(start_ms()), "--until", str(end_ms()))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "config v1 from ConfigPublished v1 on commands (last published before the replay start)" in out


def write_config(tmp_path: Path, config: BotConfig) -> Path:
    path = tmp_path / "config.json"
    path.write_text(config.model_dump_json())
    return path


@pytest.mark.parametrize(("argv", "message"), [
    (("--from-db", "--since", "yesterday", "--until", "2025-10-22T21:00"), "--since: 'yesterday' is neither"),
    (("--from-db", "--since", "2025-10-22T20:00"), "--from-db needs --since and --until"),
    (("--from-db", "--since", "2025-10-22T21:00", "--until", "2025-10-22T20:00"), "is before --since"),
    (("--from-db", "--from-redis"), "choose one of --from-db and --from-redis"),
    (("--from-redis", "--cores", "nope"), "unknown or unbuilt cores: nope"),
    (("--from-redis", "--config-version", "two"), "--config-version must be an integer"),
])
def test_replay_incident_when_arguments_are_bad_exits_2_with_one_line(
        argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(*argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_replay_from_db_when_config_version_is_unknown_exits_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(*from_db(db, "--config-version", "9")) == 2
    assert "--config-version 9: no such version in bot_config" in capsys.readouterr().err


def test_parse_time_when_naive_iso_zoned_iso_or_epoch_ms_gives_the_same_instant() -> None:
    assert parse_time("2025-10-22T20:00:00") == parse_time("2025-10-22T22:00:00+02:00") == 1_761_163_200_000
    assert parse_time("2025-10-22T20:00:00Z") == parse_time("1761163200000") == 1_761_163_200_000


def test_compare_when_lanes_interleave_differently_is_identical() -> None:
    def out(source: str, payload: Any, ts: int) -> Envelope:
        return envelopes([Emit(payload)], source=source, cause_id=f"c{ts}", now=ts)[0]

    a = out("strategy", the("SetupDetected").envelope.payload, 1)
    b = out("executor", the("BootChecksCompleted").envelope.payload, 1)
    recorded = [Recorded(stream_of(e.payload), f"{i}-0", e) for i, e in enumerate([a, b])]
    assert compare(recorded, [b, a]).identical
    assert not compare(recorded, [b]).identical


def test_replay_from_db_when_a_decision_before_until_was_written_after_it_reads_its_time_past_until(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = start_ms()
    first, second = (envelopes([Emit(the(type_).envelope.payload)], source="executor", cause_id=type_, now=ts)[0]
                     for type_, ts in (("AccountUpdated", t), ("BootChecksCompleted", t + 1_000)))
    steps = [Step(t + 10, first), Step(t + 1_500, second)]  # the second input is decided after --until
    outputs = list(ScheduledReplay(make_cores(["governor"], LOW), {"governor": steps}).run())
    assert {e.type for e in outputs if e.ts > t + 1_200} == {"BotStateChanged", "Heartbeat"}
    rows = [(first, f"{t}-0"), (second, f"{t + 1_000}-0"), *((e, f"{e.ts}-{i}") for i, e in enumerate(outputs))]
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        write_batch(conn, [DecodedMessage(stream_of(e.payload), sid, encode(e).decode(), e) for e, sid in rows])
    code = replay("--from-db", "--database-url", database_url, "--since", str(t), "--until", str(t + 1_200),
                  "--warmup-minutes", "0", "--cores", "governor", "--config", str(write_config(tmp_path, LOW)))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "governor: 2 steps, 2 inputs with a recorded time" in out


def test_replay_from_db_when_older_days_were_pruned_is_byte_identical_inside_the_window(
        db_with_older_days: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(*from_db(db_with_older_days), "--out", str(tmp_path / "before")) == 0
    with psycopg.connect(db_with_older_days, autocommit=True) as conn:
        report = prune(conn, parse_time("2025-10-29T01:00:00"), 8)  # keeps 2025-10-21 on: the warm-up's day
    assert report is not None and [d["day"] for d in report.dropped][-1] == "2025-10-20"
    assert len(report.dropped) == 9

    code = replay(*from_db(db_with_older_days), "--out", str(tmp_path / "after"))

    assert code == 0, capsys.readouterr().out
    for name in ("events.jsonl", "summary.json", "diff.json"):
        assert (tmp_path / "after" / name).read_bytes() == (tmp_path / "before" / name).read_bytes(), name


def test_replay_from_db_when_it_reaches_pruned_days_refuses_and_says_where_to_start(
        db_with_older_days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db_with_older_days, autocommit=True) as conn:
        prune(conn, parse_time("2025-10-29T01:00:00"), 8)
    capsys.readouterr()

    code = replay("--from-db", "--database-url", db_with_older_days, "--since", "2025-10-20T12:00:00",
                  "--until", "2025-10-22T02:00:00")

    err = capsys.readouterr().err
    assert code == 2
    assert "retention prune has removed" in err and "up to the end of 2025-10-20" in err
    assert "--since 2025-10-21T00:35:00.000Z or later" in err  # the first complete day, its slack and the warm-up
