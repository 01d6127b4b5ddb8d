"""Operator requests on `commands`, written by the API. Each carries an idempotency key and its actor."""

from __future__ import annotations

from schemas.config import BotConfig
from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import COMMANDS


class _Command(Payload):
    idempotency_key: str
    actor: str


@event(COMMANDS)
class PauseRequested(_Command):
    reason: str = ""


@event(COMMANDS)
class ResumeRequested(_Command):
    pass


@event(COMMANDS)
class FlattenRequested(_Command):
    reason: str = ""


@event(COMMANDS)
class DailyCountersResetRequested(_Command):
    pass


@event(COMMANDS)
class HealthCheckRequested(_Command):
    pass


@event(COMMANDS)
class ConfigPublished(_Command):
    """A new active config version (publish or rollback). Workers apply it at once."""

    version: int
    config: BotConfig
    note: str = ""
