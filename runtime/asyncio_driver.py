"""Drive a Consumer from an asyncio event loop, on the loop's own thread.

A process that also runs asyncio I/O (the live executor: REST calls, the user-data stream) used to run
its consumer in a second thread. The two threads then share the GIL: each time the consumer thread
makes a syscall (every Redis read and write) it drops the GIL, and gets it back only when the loop
thread blocks or its switch interval runs out — measured here, with a busy loop beside it, an XADD →
commit hop went from ~0.9 ms p50 to 50–80 ms p90. Here the blocking XREADGROUP becomes a read the loop
waits for (`add_reader` on the connection's socket); everything else is the consumer's own code, so the
semantics (acks after commits, recovery, claims, dead letters, timers, heartbeats) are exactly those of
`Consumer.run`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from loguru import logger

from runtime.consumer import Consumer, Replies


class AsyncioDriver:
    def __init__(self, consumer: Consumer[Any]) -> None:
        self.consumer = consumer
        self._conn: Any = None

    async def run(self, stop: threading.Event | asyncio.Event) -> None:
        """Consume until `stop` is set (checked at least every `block_ms`); an outage is waited out with
        capped backoff and everything starts again from `consumer.start()`, as `Consumer.run` does."""
        consumer, backoff, stopped = self.consumer, 0.1, False
        handler = consumer.handler
        try:
            while not stop.is_set():
                try:
                    consumer.start()
                    while not stop.is_set():
                        block_ms = consumer.housekeeping()
                        if consumer.recovering or block_ms is None:
                            consumer.read_and_process(block_ms)  # pending messages: a read that never blocks
                            await asyncio.sleep(0)
                            continue
                        consumer.process_replies(await self.read(block_ms))
                        await asyncio.sleep(0)  # what the commits started (the executor's requests) goes first
                    backoff = 0.1
                except handler.outages as exc:
                    self.close(broken=True)
                    consumer.interrupted(exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
            stopped = True
        finally:
            self.close(broken=True)
            consumer.flush_acks_quietly()
            if stopped:
                consumer.finish()
            consumer.close()
        logger.info("{} stopped after {} messages", handler.name, handler.processed)

    async def read(self, block_ms: int) -> Replies:
        """XREADGROUP `>` on every stream, blocking up to `block_ms` without blocking the loop."""
        c = self.consumer
        if self._conn is None:
            self._conn = c.redis.connection_pool.get_connection()
        conn = self._conn
        streams = list(c.streams)
        try:
            conn.send_command("XREADGROUP", "GROUP", c.group, c.consumer, "COUNT", c.read_count, "BLOCK", block_ms,
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
            self.consumer.redis.connection_pool.release(self._conn)
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


def parse_xreadgroup(reply: Any) -> Replies:
    """A raw XREADGROUP reply (RESP2: [[stream, entries]...], RESP3: {stream: entries}) as
    `bus.read_group` returns it (entries deleted while pending come with no fields: {})."""
    out: Replies = []
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
