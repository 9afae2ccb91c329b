"""The start Lambda against the emulator: validated requests go out, failures get the right name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator import Fault
from neptune_loader import start_load as start_load_module
from neptune_loader.exceptions import (
    InvalidInputError,
    NeptuneLoadQueueFull,
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
    assert result["adopted"] is False
    # One list of the cluster's loads (to recognise this start's load if the answer is lost),
    # then one start.
    assert [method for method, _ in emulator.requests] == ["GET", "POST"]


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
    ("fault", "error", "named"),
    [
        (
            Fault.error(429, "TooManyRequestsException", method="POST"),
            NeptuneTransientError,
            "could not start the load this time",
        ),
        # Issue 11: a documented permanent 500 is rejected with Neptune's message (was transient,
        # and sent four times).
        (
            Fault.error(
                500,
                "InternalFailureException",
                "Failed to start load from the source s3://neptune-samples/good/",
                method="POST",
            ),
            NeptuneRequestRejected,
            "Failed to start load from the source",
        ),
        (
            Fault.error(
                500, "InternalFailureException", "Unable to connect to S3 endpoint", method="POST"
            ),
            NeptuneRequestRejected,
            "Unable to connect to S3 endpoint",
        ),
        (
            Fault.error(
                500,
                "InternalFailureException",
                "Failed to start load because of unknown error from S3",
                method="POST",
            ),
            NeptuneRequestRejected,
            "unknown error from S3",
        ),
        (
            Fault.error(
                400,
                "BadRequestException",
                "Failed to start new load for the source s3://neptune-samples/good/. "
                "Max load task queue size limit breached. Limit is 64",
                method="POST",
            ),
            NeptuneLoadQueueFull,
            "Limit is 64",
        ),
        # Answers that leave the outcome open, where the load was NOT created: the Lambda looks,
        # finds no load, and says it is safe to start again (was: outcome unknown, never retried).
        (Fault.drop(method="POST"), NeptuneTransientError, "safe to start again"),
        (
            Fault.error(500, "InternalFailureException", method="POST"),
            NeptuneTransientError,
            "safe",
        ),
        (Fault.error(408, "ClientTimeoutException", method="POST"), NeptuneTransientError, "safe"),
        (Fault.body(200, b"garbage", "text/plain", method="POST"), NeptuneTransientError, "safe"),
        (
            Fault.body(
                200, b'{"status": "200 OK", "payload": {}}', "application/json", method="POST"
            ),
            NeptuneTransientError,
            "without a loadId",
        ),
    ],
)
def test_failures_are_named_for_the_workflow(
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
    fault: Fault,
    error: type[Exception],
    named: str,
) -> None:
    emulator.add_fault(fault)
    with pytest.raises(error, match=named):
        start(dict(REQUEST))
    # One attempt only: a start is never repeated behind the workflow's back.
    assert [method for method, _ in emulator.requests].count("POST") == 1
    assert emulator.list_loads() == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault.accepted_then_error(500, "InternalFailureException"),
        Fault.accepted_then_error(408, "ClientTimeoutException"),
        Fault.accepted_then_error(503, "ServiceUnavailableException"),
        Fault.accepted_then_drop(),
    ],
)
def test_a_start_accepted_but_answered_with_an_error_adopts_its_load(
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
    fault: Fault,
) -> None:
    # Given Neptune creates the load but the answer is an error or is lost (issue 11, defect 7)
    emulator.add_fault(fault)
    # When the start Lambda runs
    result = start(dict(REQUEST))
    # Then it finds the load it created and reports it: exactly one load, one POST
    assert emulator.list_loads() == [result["loadId"]]
    assert result["adopted"] is True
    assert [method for method, _ in emulator.requests].count("POST") == 1


def test_when_the_load_cannot_be_looked_for_the_outcome_stays_unknown(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    # Given an accepted start whose answer is lost, and reads that are refused after the POST
    emulator.add_fault(Fault.accepted_then_drop())
    scripted = emulator.take_fault

    def refuse_reads_after_the_post(method: str, path: str) -> Fault | None:
        if method == "GET" and any(m == "POST" for m, _ in emulator.requests):
            return Fault.error(403, "AccessDeniedException", "denied")
        return scripted(method, path)

    monkeypatch.setattr(emulator, "take_fault", refuse_reads_after_the_post)
    # Then the Lambda does not say "safe to start again": it cannot tell, and says what to do
    with pytest.raises(NeptuneStartOutcomeUnknown, match="GET /loader"):
        start(dict(REQUEST))
    assert len(emulator.list_loads()) == 1


def test_a_non_uuid_load_id_is_outcome_unknown_with_the_id(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # Before: returned, then the status Lambda refused it and the workflow ended InvalidInput
    # although a load may be running under that id.
    emulator.add_fault(
        Fault.body(
            200,
            b'{"status": "200 OK", "payload": {"loadId": "load-42"}}',
            "application/json",
            method="POST",
        )
    )
    with pytest.raises(NeptuneStartOutcomeUnknown, match=r"'load-42'.*not a UUID"):
        start(dict(REQUEST))


def test_a_null_mode_starts_with_the_default(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # Before: botocore's ParamValidationError, reported as "outcome unknown" (nothing was sent).
    result = start({**REQUEST, "mode": None, "iamRoleArn": None})
    assert result["request"]["mode"] == "AUTO"
    assert result["request"]["iamRoleArn"] == "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"


def test_a_request_botocore_refuses_is_invalid_input_and_nothing_is_sent(
    emulator: NeptuneLoaderEmulator, lambda_env: None
) -> None:
    from neptune_loader.neptune_client import LoaderStatusApi
    from neptune_loader.start_load import start_load
    from start_loader.handler import _client, _reader, _settings

    request = {
        "source": "s3://neptune-samples/good/",
        "format": "csv",
        "iamRoleArn": "arn:aws:iam::123456789012:role/NeptuneLoadFromS3",
        "region": "us-east-1",
        "mode": None,
    }
    with pytest.raises(InvalidInputError, match="mode"):
        start_load(_client(), _reader(), LoaderStatusApi(_reader(), _settings()), request)
    assert "POST" not in [method for method, _ in emulator.requests]


def test_a_retried_attempt_adopts_the_load_it_started(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], Any]
) -> None:
    # Given a first attempt that started the load (its answer reached nobody, say)
    since = datetime.fromtimestamp(emulator.clock.now() - 1, tz=UTC).isoformat()
    first = start({"request": dict(REQUEST), "attempt": {"since": since}})
    # When the workflow retries (or a redrive repeats) the same attempt
    again = start({"request": dict(REQUEST), "attempt": {"since": since}})
    # Then the load is adopted, not started twice
    assert again["loadId"] == first["loadId"]
    assert again["adopted"] is True
    assert [method for method, _ in emulator.requests].count("POST") == 1


def test_a_resubmission_never_adopts_the_load_it_replaces(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], Any]
) -> None:
    since = datetime.fromtimestamp(emulator.clock.now() - 1, tz=UTC).isoformat()
    first = start({"request": {**REQUEST, "queueRequest": True}, "attempt": {"since": since}})
    second = start(
        {
            "request": {**REQUEST, "queueRequest": True},
            "attempt": {"since": since, "previousLoadId": first["loadId"]},
        }
    )
    assert second["loadId"] != first["loadId"]
    assert second["adopted"] is False


def test_an_older_load_of_the_same_source_is_not_adopted(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], Any]
) -> None:
    old = start({**REQUEST, "queueRequest": True})
    emulator.clock.advance(60)
    since = datetime.fromtimestamp(emulator.clock.now(), tz=UTC).isoformat()
    new = start({"request": {**REQUEST, "queueRequest": True}, "attempt": {"since": since}})
    assert new["loadId"] != old["loadId"]


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"request": REQUEST, "attempt": {"since": "yesterday"}}, "attempt.since"),
        ({"request": REQUEST, "attempt": {"since": "2026-01-01T00:00:00"}}, "time zone"),
        ({"request": REQUEST, "attempt": 5}, "attempt must be an object"),
        ({"request": REQUEST, "extra": 1}, "unknown keys next to request"),
        (
            {
                "request": REQUEST,
                "attempt": {"since": "2026-01-01T00:00:00Z", "previousLoadId": "x"},
            },
            "previousLoadId",
        ),
    ],
)
def test_a_bad_attempt_is_invalid_input(
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], Any],
    event: dict[str, Any],
    named: str,
) -> None:
    with pytest.raises(InvalidInputError, match=named):
        start(event)
    assert emulator.requests == []


def test_a_start_answer_trickling_in_is_cut_off_and_its_load_adopted(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    start: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    # Given a start whose answer crawls in (the load has started), and a short limit
    monkeypatch.setattr(start_load_module, "START_CALL_LIMIT_SECONDS", 1.0)
    emulator.add_fault(Fault.trickle(seconds_per_byte=0.5, method="POST"))
    # Then the call is cut off, never retried, and the load it started is found and adopted
    # (before issue 11: NeptuneStartOutcomeUnknown, "list loads before starting again")
    result = start(dict(REQUEST))
    assert result["adopted"] is True
    assert emulator.list_loads() == [result["loadId"]]
    assert [method for method, _ in emulator.requests].count("POST") == 1


def test_the_search_stops_at_the_first_older_running_or_finished_load(
    emulator: NeptuneLoaderEmulator, start: Callable[[dict[str, Any]], Any]
) -> None:
    # Given three finished loads of other sources, all older than the attempt
    for _ in range(3):
        emulator.put_load(status="LOAD_COMPLETED", overall={"fullUri": "s3://other/x"})
    emulator.clock.advance(60)
    since = datetime.fromtimestamp(emulator.clock.now(), tz=UTC).isoformat()
    # When a retried attempt looks before it sends
    start({"request": dict(REQUEST), "attempt": {"since": since}})
    # Then it reads only the newest (older than the attempt: everything after it is older still)
    reads = [path for method, path in emulator.requests if path.startswith("/loader/")]
    assert len(reads) == 1


def test_https_and_s3_forms_of_a_source_are_the_same_source() -> None:
    from neptune_loader.start_adoption import same_source

    assert same_source(
        "s3://bucket/my data/x.csv", "https://s3.eu-west-1.amazonaws.com/bucket/my%20data/x.csv"
    )
    assert same_source("s3://bucket/key", "s3://bucket/key")
    assert not same_source("s3://bucket/key2", "s3://bucket/key")
    assert not same_source(None, "s3://bucket/key")
