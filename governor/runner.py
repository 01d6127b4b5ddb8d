"""`liqfade run governor`: the shared stream runner around the governor core.

On SIGTERM the runner finishes the event in hand; then the governor records SHUTDOWN (a BotStateChanged
on `state` and the snapshot, in one transaction), and the next start comes back from it (see
governor/machine.py `restart`). A crash skips this: the snapshot's status simply carries on.
"""

from __future__ import annotations

from loguru import logger

from governor.core import GovernorCore, make_core
from governor.machine import shutdown
from runtime import bus
from runtime.clock import Clock, WallClock
from runtime.core import envelopes
from runtime.settings import get_settings
from runtime.worker import run_core
from schemas.config import BotConfig
from schemas.registry import FIELD, encode, stream_of
from schemas.streams import STATE_KEY_PREFIX


def record_shutdown(client: bus.Redis, core: GovernorCore, clock: Clock, cause: str) -> bool:
    """Write SHUTDOWN into the saved state. False when there is no saved state to change."""
    key = STATE_KEY_PREFIX + core.name
    raw = client.hget(key, "snapshot")
    if raw is None:
        return False
    now = clock.now_ms()
    state, emits = shutdown(core.restore(raw if isinstance(raw, bytes) else raw.encode()), cause)
    outputs = envelopes(emits, source=core.name, cause_id=f"shutdown/{core.name}/{now}", now=now)
    pipe = client.pipeline(transaction=True)
    for envelope in outputs:
        pipe.xadd(stream_of(envelope.payload), {FIELD: encode(envelope)})
    pipe.hset(key, "snapshot", core.snapshot(state))
    pipe.execute()
    return True


def main() -> int:
    code = run_core("governor", make_core)
    client = bus.connect(get_settings().redis_url)
    try:
        # restore() reads everything, config included, from the snapshot; this config is not used
        record_shutdown(client, GovernorCore(BotConfig()), WallClock(), "process stopped (SIGTERM/SIGINT)")
    except Exception:  # the stop itself succeeded; a missing SHUTDOWN record is not fatal
        logger.exception("could not record SHUTDOWN")
    finally:
        client.close()
    return code
