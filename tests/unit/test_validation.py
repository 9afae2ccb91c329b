"""Status Lambda input: the contract's shapes are accepted, everything else is named and rejected."""

from __future__ import annotations

import pytest

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.validation import parse_status_event

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
