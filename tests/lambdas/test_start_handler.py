"""The start Lambda against the emulator: validated requests go out, failures get the right name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator import Fault
from neptune_loader import start_load as start_load_module
from neptune_loader.exceptions import (
    InvalidInputError,
    NeptuneRequestRejected,
    NeptuneStartOutcomeUnknown,
    NeptuneTransientError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.emulator import NeptuneLoaderEmulator

REQUEST = {"source": "s3://neptune-samples/good/", "format": "csv"}


def test_starts_a_load_with_deployment_defaults(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    result = start(dict(REQUEST))
    assert result["request"] == {
        **REQUEST,
        "iamRoleArn": "arn:aws:iam::123456789012:role/NeptuneLoadFromS3",
        "region": "us-east-1",
        "mode": "AUTO",
    }
    assert result["loadId"] in emulator.list_loads()
    assert [method for method, _ in emulator.requests] == ["POST"]


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"source": "/tmp/x", "format": "csv"},
        {**REQUEST, "format": "xml"},
        {**REQUEST, "extra": 1},
    ],
)
def test_invalid_requests_never_reach_neptune(
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
    request_: dict[str, Any],
) -> None:
    with pytest.raises(InvalidInputError):
        start(request_)
    assert emulator.requests == []


def test_a_second_load_without_queueing_is_rejected_with_a_hint(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    start(dict(REQUEST))
    with pytest.raises(NeptuneRequestRejected, match="queueRequest: true"):
        start(dict(REQUEST))


def test_missing_bucket_is_rejected_with_neptunes_message(
    start: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    with pytest.raises(NeptuneRequestRejected, match="S3 bucket not found"):
        start({"source": "s3://no-such-bucket/x", "format": "csv"})


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.error(429, "TooManyRequestsException"), NeptuneTransientError),
        (
            Fault.error(500, "InternalFailureException", "Failed to start load from the source"),
            NeptuneTransientError,
        ),
        (Fault.drop(), NeptuneStartOutcomeUnknown),
        (Fault.body(200, b"garbage", "text/plain"), NeptuneStartOutcomeUnknown),
        (
            Fault.body(200, b'{"status": "200 OK", "payload": {}}', "application/json"),
            NeptuneStartOutcomeUnknown,
        ),
    ],
)
def test_failures_are_named_for_the_workflow(
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
    fault: Fault,
    error: type[Exception],
) -> None:
    emulator.add_fault(fault)
    with pytest.raises(error):
        start(dict(REQUEST))
    # One attempt only: a start is never repeated behind the workflow's back.
    assert [method for method, _ in emulator.requests].count("POST") == 1


def test_a_start_answer_trickling_in_is_cut_off_as_outcome_unknown(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    # Given a start whose answer crawls in (the load may well have started), and a short limit
    monkeypatch.setattr(start_load_module, "START_CALL_LIMIT_SECONDS", 1.0)
    emulator.add_fault(Fault.trickle(seconds_per_byte=0.5, method="POST"))
    # Then the call is cut off and reported as "may have started", never retried
    with pytest.raises(NeptuneStartOutcomeUnknown, match="list loads"):
        start(dict(REQUEST))
    assert [method for method, _ in emulator.requests].count("POST") == 1
