"""Status Lambda input: the contract's shapes are accepted, everything else is named and rejected."""

from __future__ import annotations

import pytest

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.validation import parse_status_event
from neptune_loader.wait_policy import CheckBudget, ProgressMark

LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"


@pytest.mark.parametrize(
    "event",
    [
        {"loadId": LOAD_ID},
        {"payload": {"loadId": LOAD_ID}},
        {"status": "200 OK", "payload": {"loadId": LOAD_ID}},
        {"Payload": {"loadId": LOAD_ID}, "StatusCode": 200, "ExecutedVersion": "$LATEST"},
        {"Payload": {"payload": {"loadId": LOAD_ID}}},
        {"loadId": LOAD_ID.upper()},
    ],
)
def test_accepts_every_documented_shape(event: dict[str, object]) -> None:
    assert parse_status_event(event).load_id == LOAD_ID


def test_reads_ad_hoc_options() -> None:
    request = parse_status_event(
        {"loadId": LOAD_ID, "includeErrors": True, "page": 3, "errorsPerPage": 50}
    )
    assert (request.include_errors, request.page, request.errors_per_page) == (True, 3, 50)


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({}, "loadId is missing"),
        ({"loadId": None}, "loadId is missing"),
        ({"loadId": ""}, "loadId is empty"),
        ({"loadId": "   "}, "loadId is empty"),
        ({"loadId": 42}, "loadId must be a string"),
        ({"loadId": ["x"]}, "loadId must be a string"),
        ({"loadId": "x" * 65}, "loadId is too long"),
        ({"loadId": "not-a-uuid"}, "loadId 'not-a-uuid' is malformed"),
        ({"loadId": LOAD_ID + "/../x"}, "malformed"),
        ({"payload": {"id": LOAD_ID}}, "loadId is missing"),
        ("ef478d76", "must be a JSON object"),
        (None, "must be a JSON object"),
        ({"loadId": LOAD_ID, "includeErrors": "yes"}, "includeErrors must be true or false"),
        ({"loadId": LOAD_ID, "includeErrors": True, "page": 0}, "page must be from 1"),
        ({"loadId": LOAD_ID, "includeErrors": True, "page": True}, "page must be an integer"),
        ({"loadId": LOAD_ID, "includeErrors": True, "errorsPerPage": 101}, "errorsPerPage must be"),
        ({"loadId": LOAD_ID, "includeErrors": True, "errorsPerPage": "5"}, "errorsPerPage must be"),
        ({"loadId": LOAD_ID, "page": 2}, "only apply with includeErrors"),
        ({"loadId": LOAD_ID, "consecutiveRetries": -1}, "consecutiveRetries must be from 0"),
    ],
)
def test_rejects_bad_input_naming_the_problem(event: object, named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        parse_status_event(event)


def test_reads_the_loop_state_the_workflow_sends() -> None:
    # Given the event the poll loop's CheckLoadStatus task sends
    request = parse_status_event(
        {
            "loadId": LOAD_ID,
            "checks": 7,
            "consecutiveRetries": 0,
            "progressMark": {"finishedFeeds": 3, "seenAt": 1500},
            "waitedSeconds": 1830,
            "maxChecks": 500,
            "maxTotalWaitSeconds": 129_600,
        }
    )
    # Then the mark, the seconds waited and the loop's bounds reach the wait policy
    assert request.progress_mark == ProgressMark(3, 1500.0)
    assert request.waited_seconds == 1830
    assert request.budget == CheckBudget(max_checks=500, max_total_wait=129_600)


def test_reads_a_mark_with_the_shortest_file() -> None:
    mark = {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": 120.5}
    request = parse_status_event({"loadId": LOAD_ID, "progressMark": mark})
    assert request.progress_mark == ProgressMark(3, 1500.0, 120.5)
    assert request.progress_mark.to_json() == mark


def test_progress_mark_and_budget_are_optional() -> None:
    request = parse_status_event({"loadId": LOAD_ID, "progressMark": None})
    assert (request.progress_mark, request.budget, request.waited_seconds) == (None, None, 0)
    assert parse_status_event({"loadId": LOAD_ID}).progress_mark is None


@pytest.mark.parametrize(
    "mark",
    [
        "3@1500",
        [3, 1500],
        {},
        {"finishedFeeds": 3},
        {"seenAt": 1500},
        {"finishedFeeds": 3, "seenAt": 1500, "extra": 1},
        {"finishedFeeds": -1, "seenAt": 0},
        {"finishedFeeds": 1.5, "seenAt": 0},
        {"finishedFeeds": True, "seenAt": 0},
        {"finishedFeeds": "3", "seenAt": 0},
        {"finishedFeeds": 10**12, "seenAt": 0},
        {"finishedFeeds": 3, "seenAt": -1},
        {"finishedFeeds": 3, "seenAt": "1500"},
        {"finishedFeeds": 3, "seenAt": None},
        {"finishedFeeds": 3, "seenAt": float("nan")},
        {"finishedFeeds": 3, "seenAt": float("inf")},
        {"finishedFeeds": 3, "seenAt": False},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": -1},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": None},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": "120"},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": float("inf")},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": True},
        {"finishedFeeds": 3, "seenAt": 1500, "shortestFile": 10**9},
    ],
)
def test_rejects_a_malformed_progress_mark_naming_it(mark: object) -> None:
    with pytest.raises(InvalidInputError, match="progressMark"):
        parse_status_event({"loadId": LOAD_ID, "progressMark": mark})


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"waitedSeconds": -5}, "waitedSeconds"),
        ({"waitedSeconds": "10"}, "waitedSeconds"),
        ({"maxChecks": 500}, "maxChecks and maxTotalWaitSeconds"),
        ({"maxTotalWaitSeconds": 3600}, "maxChecks and maxTotalWaitSeconds"),
        ({"maxChecks": 0, "maxTotalWaitSeconds": 3600}, "maxChecks must be from 1"),
        ({"maxChecks": 500, "maxTotalWaitSeconds": True}, "maxTotalWaitSeconds must be"),
    ],
)
def test_rejects_bad_loop_bounds_naming_them(extra: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        parse_status_event({"loadId": LOAD_ID, **extra})
