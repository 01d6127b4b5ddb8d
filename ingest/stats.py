"""Counts of frames that produced no event, by reason, with the first sample of each reason."""

from __future__ import annotations

from collections import Counter

from ingest.decode import Skipped


class FrameStats:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, str] = {}
        self.malformed = 0

    def record(self, skipped: Skipped) -> bool:
        """Count it; True the first time this reason is seen (the caller logs it once, with the sample)."""
        self.counts[skipped.reason] += 1
        self.malformed += skipped.malformed
        if skipped.reason in self.samples:
            return False
        self.samples[skipped.reason] = skipped.sample
        return True
