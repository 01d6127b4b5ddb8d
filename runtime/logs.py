"""Structured logs: JSON lines on stdout, and WARNING+ (INFO at a capped rate) on the `logs` stream."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

from schemas.envelope import Envelope, derive_id
from schemas.registry import FIELD, encode
from schemas.system import LogRecorded

if TYPE_CHECKING:
    from loguru import Message, Record

STACK_FRAMES = 8
LEVELS_TO_STREAM = {"WARNING", "ERROR", "CRITICAL"}
# A backstop: venue errors are rebuilt from status, code and message (executor.binance.describe), but a
# library's exception text can carry a signed request URL (python-binance puts the whole body of a non-JSON
# error, e.g. a proxy's HTML page, in its message). Nothing that signs a request reaches a log.
SECRET_PATTERNS = (
    re.compile(r"(signature=)[0-9A-Za-z%+/=_-]+", re.IGNORECASE),
    re.compile(r"(X-MBX-APIKEY['\"]?\s*[:=]\s*['\"]?)[0-9A-Za-z]+", re.IGNORECASE),
    re.compile(r"(listenKey[=/])[0-9A-Za-z]{16,}"),
)


def scrub(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


def configure(process: str, level: str = "INFO", redis_url: str | None = None, info_per_minute: int = 60) -> None:
    """Log JSON lines to stdout; with `redis_url`, also send records to the `logs` stream."""
    logger.remove()
    logger.configure(extra={"process": process, "event_id": None, "correlation_id": None},
                     patcher=_keep_stack)
    logger.add(_json_stdout, level=level, format="{message}")
    if redis_url:
        sink = StreamSink(process, redis_url, info_per_minute)
        # enqueue: the hot path never waits on Redis for a log line
        logger.add(sink, level="INFO", format="{message}", enqueue=True, catch=True)


def _keep_stack(record: Record) -> None:
    record["message"] = scrub(record["message"])
    # the traceback object does not survive loguru's enqueue; its text does
    if record["exception"] is not None:
        record["extra"]["_stack"] = _stack(record["exception"].traceback)
        record["extra"]["_exc_message"] = scrub(str(record["exception"].value))


def _json_line(record: Record) -> dict[str, Any]:
    extra = record["extra"]
    line: dict[str, Any] = {
        "ts": record["time"].isoformat(),
        "level": record["level"].name,
        "process": extra.get("process"),
        "msg": record["message"],
        "module": record["name"],
    }
    for key in ("event_id", "correlation_id"):
        if extra.get(key):
            line[key] = extra[key]
    for key, value in extra.items():
        if key not in line and key not in ("process", "event_id", "correlation_id", "_stack", "_exc_message"):
            line[key] = scrub(value) if isinstance(value, str) else value
    if record["exception"] is not None:
        exc_type, exc, tb = record["exception"]
        line["exc_type"] = exc_type.__name__ if exc_type else None
        line["exc_message"] = extra.get("_exc_message") or scrub(str(exc))
        line["stack"] = extra.get("_stack") or _stack(tb)
    return line


def _json_stdout(message: Message) -> None:
    sys.stdout.write(orjson.dumps(_json_line(message.record), default=str).decode() + "\n")
    sys.stdout.flush()


def _stack(tb: Any) -> str:
    return "".join(traceback.format_tb(tb)[-STACK_FRAMES:]) if tb is not None else ""


class StreamSink:
    """Writes log records to the `logs` stream. INFO is rate-capped; WARNING and above always go."""

    def __init__(self, process: str, redis_url: str, info_per_minute: int) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2)
        self._process = process
        self._info_per_minute = info_per_minute
        self._window_start = 0.0
        self._info_sent = 0
        self._seq = 0
        self._lock = threading.Lock()

    def __call__(self, message: Message) -> None:
        record = message.record
        level = record["level"].name
        if level not in LEVELS_TO_STREAM and not self._info_allowed(level):
            return
        line = _json_line(record)
        ts = int(record["time"].timestamp() * 1000)
        self._seq += 1
        payload = LogRecorded(
            level=level if level in ("DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL") else "INFO",
            process=self._process,
            message=record["message"][:4000],
            module=record["name"] or "",
            event_id=line.get("event_id"),
            correlation_id=line.get("correlation_id"),
            exc_type=line.get("exc_type"),
            exc_message=line.get("exc_message"),
            stack=line.get("stack"),
        )
        envelope = Envelope(
            id=derive_id(f"log/{self._process}/{os.getpid()}", self._seq, ts),
            type=LogRecorded.TYPE, v=LogRecorded.VERSION, ts=ts, source=self._process,
            correlation_id=payload.correlation_id, payload=payload,
        )
        try:
            self._redis.xadd(LogRecorded.STREAM, {FIELD: encode(envelope)})
        except Exception as exc:  # the log stream must never take a worker down
            sys.stderr.write(f"log stream unavailable: {exc}\n")

    def _info_allowed(self, level: str) -> bool:
        if level != "INFO":
            return False
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= 60:
                self._window_start, self._info_sent = now, 0
            if self._info_sent >= self._info_per_minute:
                return False
            self._info_sent += 1
            return True
