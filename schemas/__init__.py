"""The event catalogue, stream names and the bot's configuration model: every type shared by workers.

Importing any part of `schemas` registers every event type, so a decoder always knows the full catalogue.
"""

from schemas import catalogue as _catalogue  # noqa: F401
