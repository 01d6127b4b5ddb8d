"""Drive a StreamRunner from an asyncio event loop, on the loop's own thread.

A process that also runs asyncio I/O (the live executor: REST calls, the user-data stream) used to run
its StreamRunner in a second thread. The two threads then share the GIL: each time the runner thread
makes a syscall (every Redis read and write) it drops the GIL, and gets it back only when the loop
thread blocks or its switch interval runs out — measured here, with a busy loop beside it, an XADD →
commit hop went from ~0.9 ms p50 to 50–80 ms p90. Here the blocking XREADGROUP becomes a read the loop
waits for (`add_reader` on the connection's socket); everything else is the runner's own code, so the
semantics (one transaction per entry, recovery, timers, heartbeats) are exactly the threaded runner's.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import redis
from loguru import logger

from runtime import bus
from runtime.runner import StreamRunner


class LoopDriver:
    def __init__(self, runner: StreamRunner[Any]) -> None:
        self.runner = runner
        self._conn: Any = None

    async def run(self, stop: threading.Event | asyncio.Event) -> None:
        """Process until `stop` is set (checked at least every tick); a Redis outage is waited out with
        capped backoff and everything starts again from `runner.start()`, as `bus.keep_running` does."""
        runner, backoff = self.runner, 0.1
        try:
            while not stop.is_set():
                try:
                    runner.start()
                    while not stop.is_set():
                        block_ms = runner.housekeeping()
                        if runner.recovering:
                            runner.read_and_process(block_ms)  # pending entries: a read that never blocks
                            await asyncio.sleep(0)
                            continue
                        runner.process_replies(await self.read(block_ms))
                        await asyncio.sleep(0)  # what the commits started (the executor's requests) goes first
                    backoff = 0.1
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    self.close(broken=True)
                    logger.warning("redis unavailable ({}); retrying in {:.1f}s", exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            self.close(broken=True)
            runner.flush_acks_quietly()
        logger.info("{} stopped after {} events", runner.core.name, runner.processed)

    async def read(self, block_ms: int) -> list[tuple[str, list[bus.Entry]]]:
        """XREADGROUP `>` on every input, blocking up to `block_ms` without blocking the loop."""
        r = self.runner
        if self._conn is None:
            self._conn = r.redis.connection_pool.get_connection()
        conn = self._conn
        streams = list(r.core.inputs)
        try:
            conn.send_command("XREADGROUP", "GROUP", r.group, r.consumer, "COUNT", r.batch, "BLOCK", block_ms,
                              "STREAMS", *streams, *(">" for _ in streams))
            if not conn.can_read(timeout=0):
                await readable(conn._sock.fileno())
            reply = conn.read_response()
        except BaseException:
            self.close(broken=True)  # a reply may still be on its way: this connection is done
            raise
        return parse_xreadgroup(reply)

    def close(self, broken: bool = False) -> None:
        if self._conn is not None:
            if broken:
                self._conn.disconnect()
            self.runner.redis.connection_pool.release(self._conn)
            self._conn = None


async def readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def parse_xreadgroup(reply: Any) -> list[tuple[str, list[bus.Entry]]]:
    """A raw XREADGROUP reply (RESP2: [[stream, entries]...], RESP3: {stream: entries}) as
    `bus.read_group` returns it (entries deleted while pending come with no fields: {})."""
    out: list[tuple[str, list[bus.Entry]]] = []
    for stream, entries in (reply.items() if isinstance(reply, dict) else reply or []):
        rows = [(_text(entry_id), _fields(fields)) for entry_id, fields in entries]
        out.append((_text(stream), rows))
    return out


def _fields(fields: Any) -> dict[bytes, bytes]:
    if not fields:
        return {}
    if isinstance(fields, dict):
        return fields
    return dict(zip(fields[::2], fields[1::2], strict=True))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
