"""Conflation, staleness, backoff, routes, frame stats and the recording format (time passed in)."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson

from ingest.backoff import backoff_delay
from ingest.conflate import BookConflator
from ingest.decode import FrameDecoder, MdEvent, Skipped, parse_frame
from ingest.recorder import FrameRecorder
from ingest.routes import rest_futures_url, route_streams, stream_url, ws_base_url
from ingest.staleness import StalenessTracker
from ingest.stats import FrameStats
from schemas.feed import FeedRecovered, FeedStale
from simulator import streams as sim_streams
from simulator.recording import read_recording

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "binance"


def book(symbol: str, update_id: int) -> MdEvent:
    frame = orjson.loads((FIXTURES / "bookTicker.json").read_bytes())
    frame.update(s=symbol, u=update_id)
    event = FrameDecoder().decode(frame, 0)
    assert isinstance(event, MdEvent)
    return event


def test_conflator_when_updates_inside_interval_emits_first_then_latest_at_interval_end() -> None:
    c = BookConflator(100)

    first = c.offer(book("BTCUSDT", 1), now=1000)
    held = [c.offer(book("BTCUSDT", u), now=1000 + u) for u in (2, 3, 4)]

    assert first is not None and first.envelope["payload"]["update_id"] == 1
    assert held == [None, None, None]
    assert c.next_deadline() == 1100
    assert c.due(1099) == []
    assert [e.envelope["payload"]["update_id"] for e in c.due(1100)] == [4]
    assert c.next_deadline() is None


def test_conflator_when_symbols_differ_each_has_its_own_interval() -> None:
    c = BookConflator(100)

    out = [c.offer(book("BTCUSDT", 1), 1000), c.offer(book("ETHUSDT", 2), 1001)]

    assert all(e is not None for e in out)


def test_conflator_when_quiet_for_an_interval_next_update_goes_out_at_once() -> None:
    c = BookConflator(100)
    c.offer(book("BTCUSDT", 1), 1000)

    assert c.offer(book("BTCUSDT", 2), 1100) is not None
    assert c.offer(book("BTCUSDT", 3), 1150) is None
    assert c.offer(book("BTCUSDT", 4), 1200) is not None  # the interval ended: the latest wins
    assert c.due(5000) == []


def test_conflator_when_interval_zero_passes_every_update() -> None:
    c = BookConflator(0)

    assert all(c.offer(book("BTCUSDT", u), 1000) is not None for u in range(5))


def test_conflator_when_symbol_forgotten_drops_its_held_update() -> None:
    c = BookConflator(100)
    c.offer(book("BTCUSDT", 1), 1000)
    c.offer(book("BTCUSDT", 2), 1010)

    c.forget("BTCUSDT")

    assert c.due(2000) == [] and c.next_deadline() is None


def test_staleness_when_stream_silent_beyond_limit_stale_once_then_recovered_once() -> None:
    t = StalenessTracker(2_000)
    t.watch(["BTCUSDT"], now=0)
    t.seen("BTCUSDT", "book", 500)
    t.seen("BTCUSDT", "kline", 500)

    assert t.check(2_500) == []
    stale = t.check(2_501)
    assert stale == [FeedStale(symbol="BTCUSDT", kind="book", silent_ms=2_001),
                     FeedStale(symbol="BTCUSDT", kind="kline", silent_ms=2_001)]
    assert t.check(9_000) == []
    assert t.seen("BTCUSDT", "book", 10_000) == FeedRecovered(symbol="BTCUSDT", kind="book", silent_ms=9_500)
    assert t.seen("BTCUSDT", "book", 10_001) is None
    assert t.is_stale("BTCUSDT", "kline") and not t.is_stale("BTCUSDT", "book")


def test_staleness_when_stream_never_arrives_counts_from_watch() -> None:
    t = StalenessTracker(1_000)
    t.watch(["ETHUSDT"], now=100)

    assert t.next_deadline() == 1_101
    assert [s.kind for s in t.check(1_101)] == ["book", "kline"]


def test_staleness_when_symbol_unwatched_forgets_it() -> None:
    t = StalenessTracker(1_000)
    t.watch(["BTCUSDT", "ETHUSDT"], now=0)

    t.watch(["BTCUSDT"], now=500)

    assert {s.symbol for s in t.check(5_000)} == {"BTCUSDT"}
    assert t.seen("ETHUSDT", "book", 5_000) is None


def test_backoff_when_attempts_grow_delays_grow_until_cap() -> None:
    for jitter_now, jitter_next in ((0.999, 0.0), (0.5, 0.5), (0.0, 0.999)):
        # ceilings 0.5, 1, 2, 4, 8 (= cap): whatever the draws, each delay >= the previous one
        delays = [backoff_delay(n, 0.5, 8.0, jitter_now if n % 2 else jitter_next) for n in range(1, 6)]
        assert all(b >= a for a, b in itertools.pairwise(delays)), delays
        capped = [backoff_delay(n, 0.5, 8.0, j) for n in range(6, 40) for j in (jitter_now, jitter_next)]
        assert all(4.0 <= d <= 8.0 for d in capped)
    assert backoff_delay(1, 0.5, 8.0, 0.0) == 0.25
    assert backoff_delay(10_000, 0.5, 8.0, 0.0) == 4.0


def test_routes_when_symbols_given_book_on_public_force_order_and_kline_on_market() -> None:
    routes = route_streams(["BTCUSDT", "ETHUSDT"])

    assert routes["public"] == ("btcusdt@bookTicker", "ethusdt@bookTicker")
    assert routes["market"] == ("btcusdt@forceOrder", "btcusdt@kline_1m", "ethusdt@forceOrder",
                                "ethusdt@kline_1m")
    for route, names in routes.items():  # the simulator's copy of Binance's 2026 mapping agrees
        assert {sim_streams.route_of(sim_streams.key(n)) for n in names} == {route}


def test_ws_base_url_when_production_or_local_derives_stream_host() -> None:
    assert ws_base_url("https://fapi.binance.com") == "wss://fstream.binance.com"
    assert ws_base_url("http://127.0.0.1:8799") == "ws://127.0.0.1:8799"
    assert ws_base_url("https://testnet.binancefuture.com") == "wss://fstream.binancefuture.com"
    assert rest_futures_url("http://127.0.0.1:8799/") == "http://127.0.0.1:8799/fapi"
    assert rest_futures_url("https://fapi.binance.com") == "https://fapi.binance.com/fapi"
    assert stream_url("wss://fstream.binance.com", "public", ["btcusdt@bookTicker"]) == (
        "wss://fstream.binance.com/public/stream?streams=btcusdt@bookTicker")


def test_frame_stats_when_reason_repeats_reports_first_only_and_counts_all() -> None:
    stats = FrameStats()
    bad = parse_frame(b"{nope")
    assert isinstance(bad, Skipped)

    firsts = [stats.record(bad) for _ in range(3)]

    assert firsts == [True, False, False]
    assert stats.counts["bad_json"] == 3 and stats.malformed == 3
    assert stats.samples["bad_json"] == "{nope"


def test_recorder_when_frames_written_simulator_reads_them_back(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    frame = orjson.loads((FIXTURES / "forceOrder.json").read_bytes())
    recorder = FrameRecorder(path)

    recorder.add(1_761_160_085_123, "market", "btcusdt@forceOrder", frame)
    recorder.add(1_761_160_085_124, "public", "btcusdt@bookTicker", {"e": "bookTicker", "s": "BTCUSDT"})
    recorder.close()

    back = list(read_recording(path))
    assert [(f.ts, f.route, f.stream) for f in back] == [
        (1_761_160_085_123, "market", "btcusdt@forceOrder"), (1_761_160_085_124, "public", "btcusdt@bookTicker")]
    assert back[0].data == frame
