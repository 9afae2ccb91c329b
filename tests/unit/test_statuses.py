"""The status table: every documented Neptune status, checked against an independent expectation."""

from __future__ import annotations

import pytest

from neptune_loader.statuses import STATUS_TABLE, UNKNOWN_STATUS, State, classify

# Written from Neptune's documented status list (user guide: "Neptune Loader Error and Feed
# Messages"), not from the code under test.
EXPECTED = {
    "LOAD_NOT_STARTED": (State.IN_PROGRESS, False),
    "LOAD_IN_QUEUE": (State.IN_PROGRESS, False),
    "LOAD_IN_PROGRESS": (State.IN_PROGRESS, False),
    "LOAD_COMPLETED": (State.SUCCEEDED, False),
    "LOAD_COMMITTED_W_WRITE_CONFLICTS": (State.FAILED, True),
    "LOAD_CANCELLED_BY_USER": (State.FAILED, False),
    "LOAD_CANCELLED_DUE_TO_ERRORS": (State.FAILED, False),
    "LOAD_UNEXPECTED_ERROR": (State.FAILED, False),
    "LOAD_FAILED": (State.FAILED, False),
    "LOAD_S3_READ_ERROR": (State.FAILED, True),
    "LOAD_S3_ACCESS_DENIED_ERROR": (State.FAILED, False),
    "LOAD_DATA_DEADLOCK": (State.FAILED, True),
    "LOAD_DATA_FAILED_DUE_TO_FEED_MODIFIED_OR_DELETED": (State.FAILED, False),
    "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED": (State.FAILED, False),
    "LOAD_FAILED_INVALID_REQUEST": (State.FAILED, False),
}


def test_table_covers_exactly_the_15_documented_statuses() -> None:
    assert set(STATUS_TABLE) == set(EXPECTED)
    assert len(STATUS_TABLE) == 15


@pytest.mark.parametrize(("status", "expected"), sorted(EXPECTED.items()))
def test_each_documented_status_maps_as_documented(
    status: str, expected: tuple[State, bool]
) -> None:
    rule, reason = classify(status)
    assert (rule.state, rule.retryable) == expected
    assert reason == status
    assert rule.message.endswith(".")


def test_only_load_completed_is_success() -> None:
    successes = [status for status, rule in STATUS_TABLE.items() if rule.state is State.SUCCEEDED]
    assert successes == ["LOAD_COMPLETED"]


@pytest.mark.parametrize(
    "status", ["LOAD_CANCELLED", "LOAD_QUEUED", "LOAD_STARTING", "COMPLETED", "load_completed", ""]
)
def test_unknown_statuses_fail_loudly(status: str) -> None:
    rule, reason = classify(status)
    assert rule.state is State.FAILED
    assert reason == UNKNOWN_STATUS
    assert not rule.retryable
