"""How long the workflow should wait before the next check: pure, and shared by the Lambda, the
command line's ``watch`` and the benchmark simulator, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from neptune_loader.statuses import State

# Feed statuses that mean a feed has not finished yet; every other feed status is finished.
UNFINISHED_FEED_STATUSES = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE", "LOAD_IN_PROGRESS"})
QUEUED_STATUSES = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE"})


@dataclass(frozen=True)
class WaitPolicy:
    """Bounds and shape of the waits between checks."""

    min_wait: int = 10
    max_wait: int = 300
    queued_wait: int = 60
    # Without a progress signal, wait this share of the time the load has run so far.
    elapsed_share: float = 0.2
    # With a progress signal, wait this share of the estimated time left.
    remaining_share: float = 0.5

    def clamp(self, seconds: float) -> int:
        """Round and bound a wait to [min_wait, max_wait]."""
        return max(self.min_wait, min(self.max_wait, round(seconds)))


def completed_fraction(feed_count: Mapping[str, int]) -> float | None:
    """Share of feeds (files) finished, or None when Neptune gave no usable feed counts."""
    total = sum(feed_count.values())
    if total <= 0:
        return None
    finished = sum(n for status, n in feed_count.items() if status not in UNFINISHED_FEED_STATUSES)
    return finished / total


def next_wait_seconds(
    policy: WaitPolicy,
    *,
    state: State,
    neptune_status: str | None,
    elapsed_seconds: float,
    feed_count: Mapping[str, int],
    consecutive_retries: int = 0,
) -> int | None:
    """Seconds to wait before the next check, or None for terminal states.

    - RETRY: exponential backoff from ``min_wait`` on consecutive failed checks.
    - Queued or not started: ``queued_wait`` (the load cannot finish before it starts).
    - Running: proportional to the estimated time left when feeds report progress, else to the
      time spent so far; so short loads are checked often and long loads rarely.
    """
    if state in (State.SUCCEEDED, State.FAILED):
        return None
    if state is State.RETRY:
        return policy.clamp(policy.min_wait * 2 ** min(consecutive_retries, 16))
    if neptune_status in QUEUED_STATUSES:
        return policy.clamp(policy.queued_wait)
    elapsed = max(0.0, elapsed_seconds)
    fraction = completed_fraction(feed_count)
    if fraction is not None and 0.0 < fraction < 1.0:
        remaining = elapsed * (1.0 - fraction) / fraction
        return policy.clamp(remaining * policy.remaining_share)
    return policy.clamp(elapsed * policy.elapsed_share)
