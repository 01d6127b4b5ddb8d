"""Reconnect delays: exponential, capped, with jitter; the random draw is passed in."""

from __future__ import annotations


def backoff_delay(attempt: int, base_s: float, cap_s: float, jitter: float) -> float:
    """Delay before reconnect attempt `attempt` (1, 2, ...), `jitter` drawn from [0, 1).

    "Equal jitter": half the capped exponential step is fixed, half random. Clients spread out, and
    below the cap each attempt waits at least as long as the previous one could have, so delays grow;
    at the cap they vary within [cap/2, cap].
    """
    ceiling = min(cap_s, base_s * 2.0 ** min(max(attempt, 1) - 1, 40))
    return ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
