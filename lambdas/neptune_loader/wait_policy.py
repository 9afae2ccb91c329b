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
    """Bounds and shape of the waits between checks (tuned with ``make bench``, see
    docs/benchmarks.md)."""

    min_wait: int = 10
    max_wait: int = 300
    queued_wait: int = 60
    # Without a progress signal (one file, or none finished yet), wait this share of the time the
    # load has run so far: the end is unpredictable, so this trades detection delay for checks.
    elapsed_share: float = 0.1
    # With files finished and at least two to go, wait this share of the estimated time left.
    # Below 0.5 so that a load speeding up towards its end is not overshot.
    remaining_share: float = 0.35
    # Once only the last file is unfinished the end can come at any moment: check this often.
    tail_wait: int = 25
    # ... but spend at most about this many checks on one file's worth of time, so a long last
    # file stays within the workflow's check bound (500) and history limit.
    tail_checks_per_file: int = 200

    def clamp(self, seconds: float) -> int:
        """Round and bound a wait to [min_wait, max_wait]."""
        return max(self.min_wait, min(self.max_wait, round(seconds)))


def completed_fraction(feed_count: Mapping[str, int]) -> float | None:
    """Share of feeds (files) finished, or None when Neptune gave no usable feed counts."""
    total = sum(feed_count.values())
    if total <= 0:
        return None
    return _finished(feed_count) / total


def _finished(feed_count: Mapping[str, int]) -> int:
    return sum(n for status, n in feed_count.items() if status not in UNFINISHED_FEED_STATUSES)


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
    - Running with files finished and two or more to go: a share of the time left, estimated
      from the rate of finished files (``feedCount`` only moves when a whole file finishes).
    - Running with only the last file unfinished: ``tail_wait``, since it may end at any moment.
    - Running without a progress signal: a share of the time spent so far, so short loads are
      checked often and long loads rarely.
    """
    if state in (State.SUCCEEDED, State.FAILED):
        return None
    if state is State.RETRY:
        return policy.clamp(policy.min_wait * 2 ** min(consecutive_retries, 16))
    if neptune_status in QUEUED_STATUSES:
        return policy.clamp(policy.queued_wait)
    elapsed = max(0.0, elapsed_seconds)
    finished = _finished(feed_count)
    unfinished = sum(feed_count.values()) - finished
    if finished > 0 and unfinished > 1:
        # The file in progress counts as not started, so this overestimates the time left by at
        # most one file; the tail branch takes over for the last one.
        remaining = elapsed * unfinished / finished
        return policy.clamp(remaining * policy.remaining_share)
    if finished > 0 and unfinished == 1:
        average_file = elapsed / finished
        return policy.clamp(max(policy.tail_wait, average_file / policy.tail_checks_per_file))
    return policy.clamp(elapsed * policy.elapsed_share)
