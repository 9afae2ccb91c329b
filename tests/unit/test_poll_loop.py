"""The poll-loop model's rules at their edges (the recorded runs in
tests/e2e/test_poll_loop_model.py show it agrees with the synthesized workflow)."""

from __future__ import annotations

from typing import Any

import pytest

from neptune_loader.poll_loop import LoopBounds, PollState, route, step

LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
BOUNDS = LoopBounds(max_checks=5, max_total_wait=600, max_consecutive_retries=2)
MARK = {"finishedFeeds": 2, "seenAt": 120}
ESTIMATE = {
    "expectedRecords": 1000,
    "expectedFiles": 4,
    "percent": 12,
    "etaSeconds": 880,
    "basis": "SOURCE_SAMPLE",
}


def running(wait: int = 60, mark: Any = MARK, estimate: Any = ESTIMATE) -> dict[str, Any]:
    return {
        "state": "IN_PROGRESS",
        "nextWaitSeconds": wait,
        "progressMark": mark,
        "estimate": estimate,
    }


def retry(wait: int = 15) -> dict[str, Any]:
    return {"state": "RETRY", "nextWaitSeconds": wait, "progressMark": None, "estimate": None}


def test_start_polling_and_the_first_check_event() -> None:
    poll = PollState.start(30)

    assert poll.as_json() == {
        "checks": 0,
        "waitedSeconds": 0,
        "consecutiveRetries": 0,
        "nextWaitSeconds": 30,
        "progressMark": {"finishedFeeds": 0, "seenAt": 0},
        # Not read yet: the first running check reads the source (estimates on).
        "estimate": {"basis": "FEEDS_ONLY"},
    }
    # The seconds waited include the wait just done; the bounds travel with each check.
    assert poll.check_event(LOAD_ID, BOUNDS) == {
        "loadId": LOAD_ID,
        "checks": 0,
        "consecutiveRetries": 0,
        "progressMark": {"finishedFeeds": 0, "seenAt": 0},
        "estimate": {"basis": "FEEDS_ONLY"},
        "waitedSeconds": 30,
        "maxChecks": 5,
        "maxTotalWaitSeconds": 600,
    }
    assert "maxChecks" not in poll.check_event(LOAD_ID)


def test_count_check_takes_the_mark_and_count_retry_keeps_it() -> None:
    poll, ending = step(PollState.start(30), running(), BOUNDS)
    assert ending is None
    assert (poll.checks, poll.waited_seconds, poll.next_wait_seconds) == (1, 30, 60)
    assert poll.progress_mark == MARK
    assert poll.estimate == ESTIMATE

    poll, ending = step(poll, retry(), BOUNDS)
    assert ending is None
    assert (poll.checks, poll.waited_seconds, poll.consecutive_retries) == (2, 90, 1)
    assert poll.progress_mark == MARK  # a RETRY read nothing
    assert poll.estimate == ESTIMATE

    poll, _ = step(poll, running(mark={"finishedFeeds": 3, "seenAt": 200}), BOUNDS)
    assert (poll.consecutive_retries, poll.progress_mark["finishedFeeds"]) == (0, 3)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"state": "SUCCEEDED"}, "SUCCEEDED"),
        ({"state": "FAILED", "retryable": True}, "FAILED"),
        (running(), "COUNT_CHECK"),
        (retry(), "COUNT_RETRY"),
        ({"state": "UNAVAILABLE", "nextWaitSeconds": None}, "UNAVAILABLE"),
        ({"state": "IN_PROGRESS", "nextWaitSeconds": "60"}, "UNAVAILABLE"),
        ({"state": "RETRY", "nextWaitSeconds": True}, "UNAVAILABLE"),
        ({"state": "IN_PROGRESS"}, "UNAVAILABLE"),
        ({"state": "SOMETHING_NEW", "nextWaitSeconds": 30}, "UNAVAILABLE"),
    ],
)
def test_route_on_state(status: dict[str, Any], expected: str) -> None:
    assert route(status) == expected


def test_terminal_statuses_end_the_loop_without_counting() -> None:
    poll = PollState.start(30)
    assert step(poll, {"state": "SUCCEEDED"}, BOUNDS) == (poll, "SUCCEEDED")
    assert step(poll, {"state": "FAILED"}, BOUNDS) == (poll, "FAILED")


def test_bounds_fire_when_reached_in_the_choices_order() -> None:
    # Exactly at each bound (the choices are >=)
    assert BOUNDS.reached(PollState(checks=4, waited_seconds=599)) is None
    assert BOUNDS.reached(PollState(checks=5)) == "checks"
    assert BOUNDS.reached(PollState(waited_seconds=600)) == "waitedSeconds"
    assert BOUNDS.reached(PollState(consecutive_retries=2)) == "consecutiveRetries"
    # Several at once: consecutive RETRYs first, then checks
    both = PollState(checks=5, waited_seconds=600, consecutive_retries=2)
    assert BOUNDS.reached(both) == "consecutiveRetries"
    assert BOUNDS.reached(PollState(checks=5, waited_seconds=600)) == "checks"
    assert LoopBounds(5, 600).reached(PollState(consecutive_retries=99)) is None


def test_a_bound_ends_the_loop_as_timed_out_or_unavailable() -> None:
    near_end = PollState(checks=1, waited_seconds=500, next_wait_seconds=100)
    assert step(near_end, running(), BOUNDS)[1] == "TIMED_OUT"
    retried = PollState(checks=1, consecutive_retries=1, next_wait_seconds=15)
    assert step(retried, retry(), BOUNDS)[1] == "UNAVAILABLE"
