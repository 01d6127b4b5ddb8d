"""The workers' copy of the active config follows PostgreSQL, never leads it.

A publish commits to PostgreSQL first; only then does it set the copy workers load at start (Redis key) and
send `ConfigPublished` for running ones, both in one Lua script, so either both happen or neither. When that
second step fails (Redis down), the commit stands and the API repairs the copy: at start from the active row,
and every few seconds after, until the two agree.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import redis.asyncio as aioredis
from loguru import logger
from psycopg_pool import AsyncConnectionPool
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from api.commands import command_envelope
from api.models import ConfigVersion
from api.queries import active_config
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.registry import FIELD, encode
from schemas.streams import ACTIVE_CONFIG_KEY, COMMANDS

# KEYS: the active-config key, the commands stream. ARGV: envelope field, envelope, version, config JSON,
# "force". Sends only when the copy holds an older version (or any other version, when forced): two API
# instances, or a repair racing a publish, never send a version twice nor move the copy backwards.
# XADD comes first: if it fails the script stops before SET and nothing changed.
_PROPAGATE = """
local held = redis.call('GET', KEYS[1])
local version = tonumber(ARGV[3])
if held then
  local ok, decoded = pcall(cjson.decode, held)
  local have = ok and type(decoded) == 'table' and tonumber(decoded['version']) or nil
  if have == version or (ARGV[5] ~= '1' and have ~= nil and have > version) then return 0 end
end
redis.call('XADD', KEYS[2], '*', ARGV[1], ARGV[2])
redis.call('SET', KEYS[1], ARGV[4])
return 1
"""


async def propagate(client: aioredis.Redis, published: ConfigPublished, *, force: bool = False) -> bool:
    """Sets the workers' copy and sends the event, unless the copy already holds this version (or a newer
    one, unless forced). True when it sent."""
    envelope = encode(command_envelope(published, published.idempotency_key))
    sent: Any = await client.eval(
        _PROPAGATE, 2, ACTIVE_CONFIG_KEY, COMMANDS,
        FIELD, envelope, published.version, published.config.model_dump_json(), "1" if force else "0")
    return bool(sent)


async def tell_workers(client: aioredis.Redis, published: ConfigPublished) -> bool:
    """After the commit: a few quick tries, then leave it to the repair loop. True when the workers know."""
    try:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(3), wait=wait_exponential(0.1, max=1.0),
                                           reraise=True):
            with attempt:
                await propagate(client, published)
    except (aioredis.RedisError, OSError) as exc:
        logger.error("config v{} is stored in PostgreSQL but the workers' copy is not updated ({!r}); "
                     "the API retries until it is", published.version, exc)
        return False
    return True


def published_event(stored: ConfigVersion, key: str) -> ConfigPublished:
    """What running workers are told of a version stored in PostgreSQL."""
    return ConfigPublished(idempotency_key=key, actor=stored.author, version=stored.version,
                           config=BotConfig.model_validate(stored.config), note=stored.note)


async def repair_from_active_row(pool: AsyncConnectionPool[Any], client: aioredis.Redis, *,
                                 force: bool = False) -> bool:
    """Makes the workers' copy the active row's version. True when it had to send."""
    async with pool.connection(timeout=5.0) as conn:
        active = await active_config(conn)
    if active.source != "db":
        return False  # nothing published yet: workers use the file or defaults (or the demo's config)
    sent = await propagate(client, published_event(active, f"config-repair-v{active.version}"), force=force)
    if sent:
        logger.warning("the workers' copy of the config was not v{} (PostgreSQL's active version): repaired",
                       active.version)
    return sent


async def keep_in_sync(pool: AsyncConnectionPool[Any], client: aioredis.Redis, stopping: asyncio.Event,
                       period_s: float) -> None:
    """At start (forced: PostgreSQL is the record), then every `period_s` until stopping."""
    force = True
    while not stopping.is_set():
        try:
            await repair_from_active_row(pool, client, force=force)
            force = False
        except Exception as exc:  # PostgreSQL or Redis down: try again next period
            logger.debug("config repair deferred: {!r}", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=period_s)
