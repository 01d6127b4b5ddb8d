"""Raw-frame recordings: the JSONL format ingest writes with ``--record`` and the simulator replays.

One JSON object per line, UTF-8, ``\\n``-terminated, in arrival order::

    {"recv_ts": 1761160085123, "route": "market", "stream": "btcusdt@forceOrder",
     "data": {"e": "forceOrder", "E": 1761160085110, "o": {...}}}

- ``recv_ts``: local receive time, epoch ms (int). Replay schedules the frame at this time.
- ``route``: ``"market"`` or ``"public"`` (the 2026 WS route the frame arrived on; ``"private"`` frames
  are never recorded: they belong to an account).
- ``stream``: the stream name as Binance reports it in the combined wrapper (``"btcusdt@bookTicker"``,
  ``"!forceOrder@arr"``, ``"btcusdt@kline_1m"``). For a raw (``/ws/``) connection, the name subscribed.
- ``data``: the raw Binance payload exactly as received (unwrapped from ``{"stream","data"}``), with
  Binance's string/number types untouched.

Lines that are blank or start with ``#`` are ignored. Unknown extra top-level keys are ignored, so the
format can grow. Replay re-sends ``data`` as is (its ``E``/``T`` are the recorded exchange times); the
simulator clock follows ``recv_ts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from simulator.events import RawFrame, Route

ROUTES: tuple[Route, ...] = ("public", "market", "private")


def encode_frame(recv_ts: int, route: Route, stream: str, data: dict[str, Any]) -> bytes:
    """One recording line (with the trailing newline)."""
    return orjson.dumps({"recv_ts": recv_ts, "route": route, "stream": stream, "data": data}) + b"\n"


class RecordingWriter:
    """Append frames to a JSONL file; flushes every line so a crash loses at most the current one."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = path.open("ab")

    def write(self, recv_ts: int, route: Route, stream: str, data: dict[str, Any]) -> None:
        self._fh.write(encode_frame(recv_ts, route, stream, data))
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def decode_line(line: bytes | str) -> RawFrame | None:
    text = line.strip()
    if not text or (text.startswith(b"#") if isinstance(text, bytes) else text.startswith("#")):
        return None
    obj = orjson.loads(text)
    route = obj["route"]
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}")
    if not isinstance(obj["data"], dict) or not isinstance(obj["recv_ts"], int):
        raise ValueError("recording line needs int recv_ts and object data")
    return RawFrame(obj["recv_ts"], route, str(obj["stream"]), obj["data"])


def read_recording(path: Path) -> Iterator[RawFrame]:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            try:
                frame = decode_line(line)
            except (ValueError, KeyError, orjson.JSONDecodeError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
            if frame is not None:
                yield frame
