"""`liqfade run governor`: the governor core behind the shared consumer (I/O only).

On SIGTERM the consumer finishes the message in hand, then commits the core's `on_shutdown` decision (a
BotStateChanged to SHUTDOWN on `state`, and the snapshot, in one transaction); the next start comes back
from it (governor/machine.py `restart`). A crash skips this: the snapshot's status simply carries on.
"""

from __future__ import annotations

from governor.core import make_core
from runtime.worker import run_core


def main() -> int:
    return run_core("governor", make_core)
