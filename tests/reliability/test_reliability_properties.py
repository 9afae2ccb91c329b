"""Properties of classification and normalization, for any payload Neptune (or a proxy) may send.

- the output is valid against the contract (JSON Schema) and bounded;
- ``SUCCEEDED`` appears only when Neptune said ``LOAD_COMPLETED``;
- a failed call is never a success, and transient failures are ``RETRY``.

`make test` runs a lean budget (deterministic examples); `make fuzz` multiplies it by 50.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import (
    LEDGER,
    Outcome,
    assert_contract,
    hypothesis_budget,
    is_false_success,
    output_bytes,
)

from loadctl.emulator import Fault
from neptune_loader.api_errors import classify_api_error
from neptune_loader.coerce import clip, count
from neptune_loader.error_summary import error_entry, failed_feeds
from neptune_loader.neptune_client import Deadline
from neptune_loader.progress import feed_counts
from neptune_loader.status_check import check_load_status
from neptune_loader.status_output import api_failure_output
from neptune_loader.statuses import STATUS_TABLE, classify
from neptune_loader.validation import StatusRequest, parse_status_event
from neptune_loader.wait_policy import WaitPolicy

if TYPE_CHECKING:
    from conftest import StatusInvoker

    from loadctl.emulator import NeptuneLoaderEmulator

LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
KNOWN = sorted(STATUS_TABLE)
COUNTER_FIELDS = (
    "totalRecords", "totalDuplicates", "parsingErrors", "datatypeMismatchErrors", "insertErrors",
    "totalTimeSpent", "startTime", "runNumber", "retryNumber",
)  # fmt: skip
COUNTER_FIELDS = (
    "totalRecords", "totalDuplicates", "parsingErrors", "datatypeMismatchErrors", "insertErrors",
    "totalTimeSpent", "startTime", "runNumber", "retryNumber",
)  # fmt: skip

# Any JSON value, and text that leans towards the hard cases (non-ASCII, control characters).
json_text = st.text(max_size=600)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(json_text, children, max_size=6)
    ),
    max_leaves=30,
)
statuses = st.sampled_from([*KNOWN, "LOAD_COMPLETED", " LOAD_COMPLETED "]) | st.text(max_size=200)
counters = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**70), st.floats(), json_text, st.none()
)
overall_status = st.fixed_dictionaries(
    {"status": statuses | json_values},
    optional={**dict.fromkeys(COUNTER_FIELDS, counters), "fullUri": json_values},
)
error_logs = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "errorCode": json_text | json_values,
            "errorMessage": st.text(max_size=3_000) | json_values,
            "fileName": json_text | json_values,
            "recordNum": counters,
        },
    )
    | json_values,
    max_size=120,
)
neptune_payloads = st.fixed_dictionaries(
    {},
    optional={
        "overallStatus": overall_status | json_values,
        "feedCount": st.lists(st.dictionaries(statuses, counters, max_size=3), max_size=30)
        | json_values,
        "failedFeeds": st.lists(overall_status | json_values, max_size=15) | json_values,
        "errors": st.fixed_dictionaries({}, optional={"errorLogs": error_logs | json_values})
        | json_values,
    },
)


def said_completed(payload: dict[str, Any]) -> bool:
    """Whether Neptune's payload says exactly LOAD_COMPLETED."""
    overall = payload.get("overallStatus")
    status = overall.get("status") if isinstance(overall, dict) else None
    return status == "LOAD_COMPLETED"


class ScriptedApi:
    """Stands in for the neptunedata adapter: the first call answers ``first``, later ones
    (error pages) ``details``."""

    def __init__(self, first: dict[str, Any], details: dict[str, Any]) -> None:
        self.answers = [first]
        self.details = details

    def can_call(self, deadline: Deadline) -> bool:
        return True

    def get_status(self, load_id: str, **options: Any) -> dict[str, Any]:
        return self.answers.pop(0) if self.answers else self.details


def _record(name: str, result: dict[str, Any], truth_completed: bool) -> None:
    false_success = result["state"] == "SUCCEEDED" and not truth_completed
    LEDGER.add(
        Outcome(
            "property",
            name,
            handled=not false_success,
            false_success=false_success,
            invocations=1,
            largest_bytes=output_bytes(result),
        )
    )


@hypothesis_budget(200)
@given(status=st.text(max_size=300) | st.sampled_from(KNOWN))
def test_only_load_completed_classifies_as_success(status: str) -> None:
    rule, reason = classify(status)
    assert (rule.state.value == "SUCCEEDED") is (status == "LOAD_COMPLETED")
    if status not in STATUS_TABLE:
        assert (rule.state.value, reason) == ("FAILED", "UNKNOWN_STATUS")
        assert len(rule.message) < 400


@hypothesis_budget(200)
@given(
    first=neptune_payloads,
    details=neptune_payloads,
    include_errors=st.booleans(),
    page=st.integers(1, 5),
    per_page=st.integers(1, 100),
    retries=st.integers(0, 1_000_000),
)
def test_any_payload_gives_a_valid_bounded_status_and_no_false_success(
    *,
    first: dict[str, Any],
    details: dict[str, Any],
    include_errors: bool,
    page: int,
    per_page: int,
    retries: int,
) -> None:
    request = StatusRequest(
        load_id=LOAD_ID,
        include_errors=include_errors,
        page=page if include_errors else 1,
        errors_per_page=per_page if include_errors else 10,
        consecutive_retries=retries,
    )
    result = check_load_status(
        ScriptedApi(first, details),  # type: ignore[arg-type]
        request,
        WaitPolicy(),
        Deadline(),
        max_errors_fetched=100,
    )
    _record("any payload -> status object", result, said_completed(first))
    assert_contract(result)
    assert not is_false_success(result, "LOAD_COMPLETED" if said_completed(first) else None)
    if not include_errors:
        assert len(json.dumps(result)) < 24_000  # fits a Fail state's Cause


http_statuses = st.sampled_from([400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504]) | (
    st.integers(100, 599)
)


@hypothesis_budget(200)
@given(
    code=st.text(max_size=40)
    | st.text(min_size=150, max_size=400)
    | st.sampled_from(["TooManyRequestsException", "BadRequestException", "X" * 300_000]),
    status=http_statuses,
    message=st.text(max_size=2_000),
    detailed=st.none() | st.text(max_size=20_000),
    retries=st.integers(0, 100),
)
def test_any_api_error_is_retry_or_failed_never_success(
    code: str, status: int, message: str, detailed: str | None, retries: int
) -> None:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if detailed is not None:
        response["detailedMessage"] = detailed
    failure = classify_api_error(ClientError(response, "GetLoaderJobStatus"))  # type: ignore[arg-type]
    result = api_failure_output(LOAD_ID, failure, WaitPolicy(), consecutive_retries=retries)
    _record("any API error -> status object", result, truth_completed=False)
    assert_contract(result)
    # Never a success; a refusal is UNAVAILABLE (the status is unknown), not a failed load.
    assert result["state"] in ("RETRY", "FAILED", "UNAVAILABLE")
    if result["state"] == "FAILED":
        assert result["reason"] == "LOAD_ID_NOT_FOUND"
    if status >= 500 or status == 429:
        assert result["state"] == "RETRY"
    # the error detail is never lost: its start survives in the message
    detail = " ".join((detailed or message).split())
    if detail and failure.reason != "LOAD_ID_NOT_FOUND":
        assert detail[:100] in result["message"] or code in result["message"]


@hypothesis_budget(300)
@given(value=json_values | counters)
def test_normalizers_are_total_and_bounded(value: object) -> None:
    assert isinstance(count(value), int)
    assert count(value) >= 0
    assert len(clip(value, 64)) <= 64
    merged = feed_counts(value)
    assert len(merged) <= 20
    assert all(len(key) <= 64 and n >= 0 for key, n in merged.items())
    entry = error_entry(value)
    assert len(entry["errorMessage"]) <= 500
    assert len(entry["errorCode"]) <= 64
    assert len(failed_feeds(value)) <= 10


@pytest.fixture
def served_bodies(emulator: NeptuneLoaderEmulator) -> NeptuneLoaderEmulator:
    return emulator


@hypothesis_budget(25)
@given(payload=neptune_payloads, status=st.sampled_from([200, 200, 200, 400, 404, 429, 500]))
def test_any_body_over_real_http_and_boto3_gives_a_valid_status(
    served_bodies: NeptuneLoaderEmulator,
    invoke_status: StatusInvoker,
    payload: dict[str, Any],
    status: int,
) -> None:
    # Given Neptune (or something in front of it) answering with an arbitrary JSON document
    served_bodies.clear_faults()
    document = {"status": "200 OK", "payload": payload} if status == 200 else payload
    served_bodies.add_fault(
        Fault.body(status, json.dumps(document).encode(), "application/json", times=None)
    )
    # When the status Lambda reads it through boto3
    measured = invoke_status(LOAD_ID)
    # Then the answer is valid and bounded (checked by invoke_status) and never a false success
    completed = status == 200 and said_completed(payload)
    _record("any body over HTTP -> status object", measured.result, completed)
    assert not is_false_success(measured.result, "LOAD_COMPLETED" if completed else None)


huge_numbers = (
    st.integers(0, 10**20 - 1)
    | st.floats(0, 1e308)
    | st.sampled_from(["9" * 20, 4e9, 35_000_000.5])
)
running_payloads = st.fixed_dictionaries(
    {
        "overallStatus": st.fixed_dictionaries(
            {"status": st.sampled_from(["LOAD_IN_PROGRESS", "LOAD_NOT_STARTED", *KNOWN])},
            optional={"totalTimeSpent": huge_numbers, "totalRecords": huge_numbers},
        ),
        "feedCount": st.lists(
            st.dictionaries(
                st.sampled_from(["LOAD_COMPLETED", "LOAD_IN_PROGRESS", "LOAD_NOT_STARTED"]),
                huge_numbers,
                max_size=3,
            ),
            max_size=5,
        ),
    }
)
marks = st.none() | st.fixed_dictionaries(
    {"finishedFeeds": st.integers(0, 1_000_000_000), "seenAt": st.integers(0, 400 * 24 * 3600)},
    optional={"shortestFile": st.integers(0, 400 * 24 * 3600) | st.floats(0, 400 * 24 * 3600)},
)


@hypothesis_budget(300)
@given(payload=running_payloads | neptune_payloads, mark=marks, checks=st.integers(0, 498))
def test_what_the_lambda_emits_for_the_loop_its_next_input_accepts(
    payload: dict[str, Any], mark: dict[str, int] | None, checks: int
) -> None:
    # Given a check as the poll loop sends it, and any answer from Neptune (huge times and counts)
    event: dict[str, Any] = {
        "loadId": LOAD_ID,
        "checks": checks,
        "consecutiveRetries": 0,
        "progressMark": mark,
        "waitedSeconds": 100,
        "maxChecks": 500,
        "maxTotalWaitSeconds": 36 * 3600,
    }
    result = check_load_status(
        ScriptedApi(payload, payload),  # type: ignore[arg-type]
        parse_status_event(event),
        WaitPolicy(),
        Deadline(),
    )
    if result["terminal"]:
        return
    # When the loop builds the next check from what the Lambda emitted (CountCheck/CountRetry)
    progressed = result["state"] == "IN_PROGRESS"
    following = {
        **event,
        "checks": checks + 1,
        "consecutiveRetries": 0 if progressed else 1,
        "progressMark": result["progressMark"] if progressed else mark,
        "waitedSeconds": event["waitedSeconds"] + result["nextWaitSeconds"],
    }
    # Then the Lambda accepts it (no InvalidInputError ending a running load)
    parse_status_event(json.loads(json.dumps(following)))


@pytest.mark.parametrize(
    "payload",
    [
        # Two answers the property above found: a running time near the float limit (the time
        # left was infinite) and feed counts of hundreds of digits (too large for a float).
        {
            "overallStatus": {
                "status": "LOAD_IN_PROGRESS",
                "totalTimeSpent": 3.5953862697246315e307,
            },
            "feedCount": [{"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 5}],
        },
        {
            "overallStatus": {"status": "LOAD_IN_PROGRESS"},
            "feedCount": [
                {
                    "LOAD_COMPLETED": 0,
                    "LOAD_IN_PROGRESS": 4.2189762390512836e307,
                    "LOAD_NOT_STARTED": 4.2189762390512836e307,
                },
                {"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 9.53897887052059e307},
            ],
        },
    ],
)
def test_absurd_times_and_feed_counts_still_give_a_running_status(payload: dict[str, Any]) -> None:
    event = {
        "loadId": LOAD_ID,
        "checks": 0,
        "waitedSeconds": 100,
        "maxChecks": 500,
        "maxTotalWaitSeconds": 36 * 3600,
    }
    result = check_load_status(
        ScriptedApi(payload, payload),  # type: ignore[arg-type]
        parse_status_event(event),
        WaitPolicy(),
        Deadline(),
    )
    assert result["state"] == "IN_PROGRESS"
    assert 0 < result["nextWaitSeconds"] <= 3600
