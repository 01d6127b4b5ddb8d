"""Ingest's commands under the shared consumer: `ConfigPublished` on `commands`, as the `ingest` group.

Ingest runs one asyncio loop, so it polls (`Consumer.poll`, a read that never blocks) from its timer
loop. The handler adopts a newer config at once (symbols, staleness); the websocket resubscription that
follows is I/O the caller awaits right after the poll (`Ingest.resubscribe`). A command acknowledged
before that resubscription is not lost to a crash: a restarted ingest reads the active config, which the
API set before sending the command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from loguru import logger

from runtime import bus
from runtime.clock import Clock
from runtime.consumer import Consumer, Handled, Handler, Message
from schemas.commands import ConfigPublished
from schemas.registry import SkipEvent, decode
from schemas.streams import COMMANDS, GROUP_INGEST

NAME = "ingest"


class CommandHandler(Handler):
    name = NAME

    def __init__(self, adopt: Callable[[ConfigPublished], None]) -> None:
        self.adopt = adopt

    def handle(self, messages: Sequence[Message]) -> Iterator[Handled]:
        for message in messages:
            try:
                if message.raw is None:
                    raise SkipEvent("malformed", "no event field")
                envelope = decode(message.raw)
            except SkipEvent as exc:
                logger.warning("skipping command {}: {}", message.id, exc)
            else:
                if isinstance(envelope.payload, ConfigPublished):
                    self.adopt(envelope.payload)
                self.processed += 1
            yield Handled((message,))


def ensure_command_group(client: bus.Redis) -> None:
    """Join `commands` at its end: the active config read at start already reflects older commands."""
    bus.ensure_group(client, COMMANDS, GROUP_INGEST, start="$")


def command_consumer(client: bus.Redis, adopt: Callable[[ConfigPublished], None],
                     clock: Clock) -> Consumer[CommandHandler]:
    return Consumer(CommandHandler(adopt), client, (COMMANDS,), group=GROUP_INGEST, consumer=NAME, clock=clock,
                    batch=100, block_ms=None, join_at="$", heartbeat_ms=None)
