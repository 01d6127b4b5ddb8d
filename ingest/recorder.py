"""`--record`: raw frames as received, one JSON line each, in the simulator's recording format
(simulator/recording.py: `{"recv_ts", "route", "stream", "data"}`), so the simulator can play them back.

Lines are buffered and written with each publish batch, so a crash loses at most one batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson


class FrameRecorder:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[bytes] = path.open("ab")
        self._lines: list[bytes] = []
        self.written = 0

    def add(self, recv_ts: int, route: str, stream: str, data: dict[str, Any]) -> None:
        self._lines.append(orjson.dumps({"recv_ts": recv_ts, "route": route, "stream": stream, "data": data}))

    def flush(self) -> None:
        if self._lines:
            self._fh.write(b"\n".join(self._lines) + b"\n")
            self._fh.flush()
            self.written += len(self._lines)
            self._lines.clear()

    def close(self) -> None:
        self.flush()
        self._fh.close()
