"""Logs: JSON lines on stdout; warnings and errors (with a stack snippet) also reach the `logs` stream."""

from __future__ import annotations

import time

import orjson
import pytest
import redis
from loguru import logger

from runtime import logs
from schemas.registry import FIELD, decode
from schemas.streams import LOGS
from schemas.system import LogRecorded
from tests.support.streams import entries


def test_logs_when_error_with_exception_reaches_logs_stream_with_stack(
    redis_url: str, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("tester", "INFO", redis_url, info_per_minute=1)
    try:
        with logger.contextualize(event_id="e-1", correlation_id="BTCUSDT-LONG-1"):
            try:
                raise RuntimeError("venue said no")
            except RuntimeError:
                logger.exception("order failed")
        logger.info("first info goes through")
        logger.info("second info is over the cap")
        logger.complete()
        deadline = time.monotonic() + 5
        while redis_client.xlen(LOGS) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logger.remove()
    records = [decode(fields[FIELD]).payload for _, fields in entries(redis_client, LOGS)]
    assert [r.level for r in records if isinstance(r, LogRecorded)] == ["ERROR", "INFO"]
    error = records[0]
    assert isinstance(error, LogRecorded)
    assert error.exc_type == "RuntimeError" and error.correlation_id == "BTCUSDT-LONG-1"
    assert "raise RuntimeError" in (error.stack or "")
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["process"] == "tester" and lines[0]["event_id"] == "e-1"
    assert len(lines) == 3


def test_logs_when_a_message_or_exception_carries_a_signed_url_the_signature_never_reaches_a_sink(
    redis_url: str, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = "GET http://fapi/fapi/v3/balance?timestamp=1&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecb"
    logs.configure("tester", "INFO", redis_url)
    try:
        try:
            raise ValueError(f"Invalid JSON error message from Binance: <ClientResponse({signed}) [502]>")
        except ValueError:
            logger.exception("balance read failed: {}", signed)
        logger.complete()
        deadline = time.monotonic() + 5
        while redis_client.xlen(LOGS) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logger.remove()
    streamed = [fields[FIELD] for _, fields in entries(redis_client, LOGS)]
    printed = capsys.readouterr().out
    assert streamed and "signature=***" in printed
    assert "3c6612341384" not in printed and not [r for r in streamed if b"3c6612341384" in r]
