"""Every process's ProcessHeartbeat envelope, built one way (workers, projector, notifier, ingest, API)."""

from __future__ import annotations

import os
import resource

from runtime.core import Emit, envelopes
from schemas.envelope import Envelope
from schemas.system import ProcessHeartbeat


def heartbeat_envelope(process: str, started_ms: int, events_processed: int, lag: int, now: int) -> Envelope:
    """This process's heartbeat now: pid, start, work done, input lag, RSS."""
    payload = ProcessHeartbeat(process=process, pid=os.getpid(), started_ts=started_ms,
                               events_processed=events_processed, lag=lag, rss_mb=rss_mb())
    [envelope] = envelopes([Emit(payload)], source=process, cause_id=f"heartbeat/{process}/{os.getpid()}", now=now)
    return envelope


def rss_mb() -> float:
    """Resident set size now (Linux /proc), falling back to the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576, 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
