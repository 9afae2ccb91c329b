"""The workflow's poll loop as a pure model: its state at ``$.poll`` and each step's rule.

The state machine (``infrastructure/constructs/load_status_poller.py``) is the source of truth;
this module mirrors it state by state for code that runs the same loop outside Step Functions
(``python -m loadctl watch``, the benchmark's simulator). ``tests/e2e/test_poll_loop_model.py``
replays recorded runs of the synthesized workflow through it and requires the same ``$.poll`` at
every check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

# What a check returned, as the RouteOnState choice reads it.
Route = Literal["SUCCEEDED", "FAILED", "COUNT_CHECK", "COUNT_RETRY", "UNAVAILABLE"]
# Which bound the WithinBounds choice fires on, in the order it tests them.
Bound = Literal["consecutiveRetries", "checks", "waitedSeconds"]
# How the loop ends: the status's own verdict, or a bound.
Ending = Literal["SUCCEEDED", "FAILED", "UNAVAILABLE", "TIMED_OUT"]


def initial_mark() -> dict[str, int]:
    """StartPolling's progress mark: no file has finished yet."""
    return {"finishedFeeds": 0, "seenAt": 0}


def initial_estimate() -> dict[str, str]:
    """StartPolling's estimate: the source has not been read yet."""
    return {"basis": "FEEDS_ONLY"}


@dataclass(frozen=True)
class LoopBounds:
    """The loop's bounds: NeptuneLoadTimedOut at ``max_checks`` checks or ``max_total_wait``
    seconds waited, NeptuneStatusUnavailable at ``max_consecutive_retries`` RETRY results in a
    row (``None``: not bounded)."""

    max_checks: int
    max_total_wait: float
    max_consecutive_retries: int | None = None

    def reached(self, poll: PollState) -> Bound | None:
        """WithinBounds: the first bound ``poll`` has reached, in the choice's order."""
        retries = self.max_consecutive_retries
        if retries is not None and poll.consecutive_retries >= retries:
            return "consecutiveRetries"
        if poll.checks >= self.max_checks:
            return "checks"
        if poll.waited_seconds >= self.max_total_wait:
            return "waitedSeconds"
        return None


@dataclass(frozen=True)
class PollState:
    """``$.poll``: checks made, seconds waited, RETRY results in a row, the wait before the next
    check, and the progress mark and estimate of the last readable check."""

    checks: int = 0
    waited_seconds: float = 0
    consecutive_retries: int = 0
    next_wait_seconds: float = 0
    progress_mark: Any = field(default_factory=initial_mark)
    estimate: Any = field(default_factory=initial_estimate)

    @classmethod
    def start(cls, initial_wait: float) -> PollState:
        """StartPolling: counters at zero, the first wait, the initial mark."""
        return cls(next_wait_seconds=initial_wait)

    def as_json(self) -> dict[str, Any]:
        """The ``$.poll`` object as the state machine holds it."""
        return {
            "checks": self.checks,
            "waitedSeconds": self.waited_seconds,
            "consecutiveRetries": self.consecutive_retries,
            "nextWaitSeconds": self.next_wait_seconds,
            "progressMark": self.progress_mark,
            "estimate": self.estimate,
        }

    def check_event(
        self,
        load_id: str,
        bounds: LoopBounds | None = None,
        load_request: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """CheckLoadStatus's payload: the seconds waited include the wait just done; the
        workflow also sends its ``$.request`` (``load_request``) when it has one."""
        event: dict[str, Any] = {
            "loadId": load_id,
            "checks": self.checks,
            "consecutiveRetries": self.consecutive_retries,
            "progressMark": self.progress_mark,
            "estimate": self.estimate,
            "waitedSeconds": self.waited_seconds + self.next_wait_seconds,
        }
        if bounds is not None:
            event |= {"maxChecks": bounds.max_checks, "maxTotalWaitSeconds": bounds.max_total_wait}
        if load_request is not None:
            event["loadRequest"] = load_request
        return event

    def counted(self, status: dict[str, Any], route: Route) -> PollState:
        """CountCheck or CountRetry after a non-terminal ``status``: a RETRY read nothing (its
        mark and estimate are null), so they stay."""
        retry = route == "COUNT_RETRY"
        return PollState(
            checks=self.checks + 1,
            waited_seconds=self.waited_seconds + self.next_wait_seconds,
            consecutive_retries=self.consecutive_retries + 1 if retry else 0,
            next_wait_seconds=status["nextWaitSeconds"],
            progress_mark=self.progress_mark if retry else status.get("progressMark"),
            estimate=self.estimate if retry else status.get("estimate"),
        )

    def waiting(self, seconds: float) -> PollState:
        """The same state with another wait before the next check (a poller of its own)."""
        return replace(self, next_wait_seconds=seconds)


def route(status: dict[str, Any]) -> Route:
    """RouteOnState: the verdict, or which counter to advance; anything else is unavailable."""
    state = status.get("state")
    wait = status.get("nextWaitSeconds")
    has_wait = isinstance(wait, int | float) and not isinstance(wait, bool)
    if state == "SUCCEEDED":
        return "SUCCEEDED"
    if state == "FAILED":
        return "FAILED"
    if state == "IN_PROGRESS" and has_wait:
        return "COUNT_CHECK"
    if state == "RETRY" and has_wait:
        return "COUNT_RETRY"
    return "UNAVAILABLE"


def step(
    poll: PollState, status: dict[str, Any], bounds: LoopBounds
) -> tuple[PollState, Ending | None]:
    """One turn after a check: the next ``$.poll`` and, if the loop ends here, how."""
    match where := route(status):
        case "COUNT_CHECK" | "COUNT_RETRY":
            poll = poll.counted(status, where)
        case _:
            return poll, where
    bound = bounds.reached(poll)
    if bound is None:
        return poll, None
    return poll, "UNAVAILABLE" if bound == "consecutiveRetries" else "TIMED_OUT"
