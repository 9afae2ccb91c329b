"""Issue 11: a final verdict only on complete evidence, and record-error tolerance.

The status Lambda against the emulator over real HTTP: resumability from every failed feed,
feedCount and the record-error counters; RETRY when that evidence could not be read this time;
unreadable counters never read as success; the error sample survives the workflow's size budget.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator import Fault

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.emulator import NeptuneLoaderEmulator
    from tests.lambda_harness import FakeLambdaContext

GOOD = "s3://neptune-samples/good/"
REQUEST = {
    "source": GOOD,
    "format": "csv",
    "iamRoleArn": "arn:aws:iam::123456789012:role/R",
    "region": "us-east-1",
}
Check = "Callable[..., dict[str, Any]]"


def _s3_read_error_load(emulator: NeptuneLoaderEmulator) -> str:
    emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
    load_id = emulator.start_load(dict(REQUEST))
    emulator.clock.advance(3600)
    return load_id


def _throttle_detail_calls(emulator: NeptuneLoaderEmulator) -> None:
    """Every ``details=true`` call answers 429; the cheap status call works."""
    seen: list[str] = []
    note = emulator.note_request

    def remember(method: str, path: str) -> None:
        seen.append(path)
        note(method, path)

    def only_details(method: str, path: str) -> Fault | None:
        if "details=true" in seen[-1].lower():
            return Fault.error(429, "TooManyRequestsException")
        return None

    emulator.note_request = remember  # type: ignore[method-assign]
    emulator.take_fault = only_details  # type: ignore[method-assign]


def _stop_faults(emulator: NeptuneLoaderEmulator) -> None:
    for name in ("note_request", "take_fault"):
        setattr(emulator, name, getattr(type(emulator), name).__get__(emulator))


def test_resumable_load_with_throttled_details_is_retry_not_a_final_failure(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a load that failed on an S3 read error (resumable), whose detail calls are throttled
    load_id = _s3_read_error_load(emulator)
    _throttle_detail_calls(emulator)
    # When the Lambda checks it
    result = check_status(load_id, consecutiveRetries=1)
    # Then it does not decide on partial evidence: RETRY, with the status as read
    assert (result["state"], result["neptuneStatus"], result["reason"]) == (
        "RETRY",
        "LOAD_FAILED",
        "EVIDENCE_INCOMPLETE",
    )
    assert (result["terminal"], result["nextWaitSeconds"]) == (False, 20)
    assert "could not be read this time" in result["message"]
    assert result["progress"]["feedCount"]["LOAD_S3_READ_ERROR"] == 1
    # And once the details can be read, the verdict is the resumable failure it is
    _stop_faults(emulator)
    result = check_status(load_id)
    assert (result["state"], result["retryable"]) == ("FAILED", True)


def test_resumable_load_with_details_skipped_for_budget_is_retry(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    lambda_context: FakeLambdaContext,
) -> None:
    # Given a resumable failure and an invocation with too little time left for the details
    load_id = _s3_read_error_load(emulator)
    lambda_context.remaining_millis = 7_900
    # When the Lambda checks it
    result = check_status(load_id)
    # Then it answers RETRY rather than a final "not retryable"
    assert (result["state"], result["neptuneStatus"], result["reason"]) == (
        "RETRY",
        "LOAD_FAILED",
        "EVIDENCE_INCOMPLETE",
    )


def test_a_doomed_failure_is_final_even_without_details(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a failure the cheap answer already decides (a non-resumable feed in feedCount)
    load_id = emulator.put_load(
        status="LOAD_FAILED",
        feed_count=[{"LOAD_COMPLETED": 3}, {"LOAD_S3_ACCESS_DENIED_ERROR": 1}],
    )
    _throttle_detail_calls(emulator)
    result = check_status(load_id)
    # Then the verdict is final: reading more could not make it resumable
    assert (result["state"], result["retryable"]) == ("FAILED", False)


def _read_error_feeds(n: int) -> list[dict[str, Any]]:
    return [
        {"fullUri": f"s3://b/f{i}.csv", "status": "LOAD_S3_READ_ERROR", "totalRecords": 0}
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("feed_count", "failed_feeds", "overall"),
    [
        # An 11th failed feed that is not resumable (only the first 10 are shown).
        (
            [{"LOAD_S3_READ_ERROR": 10}, {"LOAD_S3_ACCESS_DENIED_ERROR": 1}],
            [
                *_read_error_feeds(10),
                {"fullUri": "s3://b/x.csv", "status": "LOAD_S3_ACCESS_DENIED_ERROR"},
            ],
            {},
        ),
        # feedCount names a non-resumable feed the failed feeds do not show.
        (
            [{"LOAD_COMPLETED": 4}, {"LOAD_S3_READ_ERROR": 1}, {"LOAD_S3_ACCESS_DENIED_ERROR": 1}],
            _read_error_feeds(1),
            {},
        ),
        # Record errors: RESUME does not fix bad records.
        ([{"LOAD_S3_READ_ERROR": 1}], _read_error_feeds(1), {"parsingErrors": 2}),
        # A failed feed's own record errors.
        (
            [{"LOAD_S3_READ_ERROR": 1}],
            [{"fullUri": "s3://b/f.csv", "status": "LOAD_S3_READ_ERROR", "insertErrors": 1}],
            {},
        ),
    ],
)
def test_retryable_only_when_all_evidence_says_resumable(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    feed_count: list[dict[str, int]],
    failed_feeds: list[dict[str, Any]],
    overall: dict[str, Any],
) -> None:
    load_id = emulator.put_load(
        status="LOAD_FAILED", overall=overall, feed_count=feed_count, failed_feeds=failed_feeds
    )
    result = check_status(load_id)
    assert (result["state"], result["retryable"]) == ("FAILED", False)
    # The same with only resumable evidence is retryable (the cases above differ in one piece).
    clean = emulator.put_load(
        status="LOAD_FAILED",
        feed_count=[{"LOAD_S3_READ_ERROR": 11}],
        failed_feeds=_read_error_feeds(11),
    )
    assert check_status(clean)["retryable"] is True


@pytest.mark.parametrize("status", ["LOAD_S3_READ_ERROR", "LOAD_DATA_DEADLOCK"])
def test_a_resumable_status_with_record_errors_is_not_retryable(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], status: str
) -> None:
    load_id = emulator.put_load(status=status, overall={"datatypeMismatchErrors": 5})
    assert check_status(load_id)["retryable"] is False
    assert check_status(emulator.put_load(status=status))["retryable"] is True


@pytest.mark.parametrize(
    "counter", ["1" * 21, "12345678901234567890123456789", "-3", "many", True, [1]]
)
def test_an_unreadable_counter_is_never_a_clean_success(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], counter: object
) -> None:
    # Given Neptune saying LOAD_COMPLETED with an error counter that is not a readable number
    load_id = emulator.put_load(status="LOAD_COMPLETED", overall={"parsingErrors": counter})
    # When the Lambda checks it
    result = check_status(load_id)
    # Then it is not a success on that evidence: it reads again
    assert (result["state"], result["neptuneStatus"], result["reason"]) == (
        "RETRY",
        "LOAD_COMPLETED",
        "UNREADABLE_COUNTERS",
    )
    assert "parsingErrors" in result["message"]


def test_long_non_ascii_errors_keep_at_least_one_sample_entry(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a failed load whose feeds and errors are all long non-ASCII text
    text = "Ошибка разбора: значение не соответствует типу 🚫 " * 40
    feeds = [
        {"fullUri": f"s3://b/{text[:480]}-{i}", "status": "LOAD_FAILED", "parsingErrors": 1}
        for i in range(10)
    ]
    logs = [
        {"errorCode": "PARSING_ERROR", "errorMessage": text, "fileName": text, "recordNum": i}
        for i in range(1, 11)
    ]
    load_id = emulator.put_load(
        status="LOAD_FAILED",
        overall={"parsingErrors": 10},
        feed_count=[{"LOAD_FAILED": 10}],
        failed_feeds=feeds,
        error_logs=logs,
    )
    # When the Lambda checks it for the workflow
    result = check_status(load_id)
    # Then the answer fits the Fail Cause budget and still shows an error
    assert len(json.dumps(result, ensure_ascii=True)) < 24_000
    assert len(result["errors"]["sample"]) >= 1
    assert result["errors"]["sample"][0]["errorCode"] == "PARSING_ERROR"
    assert result["errors"]["truncated"] is True
    assert len(result["failedFeeds"]) >= 1


BROKEN = "s3://neptune-samples/broken/"


def _broken_load(emulator: NeptuneLoaderEmulator, fail_on_error: str) -> str:
    load_id = emulator.start_load({**REQUEST, "source": BROKEN, "failOnError": fail_on_error})
    emulator.clock.advance(3600)
    return load_id


def test_record_errors_within_tolerance_succeed_with_neptunes_status_kept(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a load run with failOnError FALSE whose files have a few bad records
    load_id = _broken_load(emulator, "FALSE")
    request = {**REQUEST, "source": BROKEN, "failOnError": "FALSE"}
    # When the workflow checks it with a tolerance of 10 record errors
    result = check_status(
        load_id, loadRequest={**request, "errorTolerance": {"maxRecordErrors": 10}}
    )
    # Then it is a success that says the errors were tolerated, with Neptune's status and errors
    assert (result["state"], result["neptuneStatus"], result["reason"], result["terminal"]) == (
        "SUCCEEDED",
        "LOAD_FAILED",
        "LOAD_FAILED_ERRORS_TOLERATED",
        True,
    )
    assert result["errors"]["fetched"] == 6
    assert result["errors"]["sample"]
    assert result["failedFeeds"]
    assert "tolerance" in result["message"]


@pytest.mark.parametrize(
    ("fail_on_error", "options"),
    [
        # No tolerance: today's behaviour.
        ("FALSE", {"loadRequest": {"failOnError": "FALSE"}}),
        ("FALSE", {"loadRequest": {"failOnError": False, "errorTolerance": None}}),
        # More errors than tolerated, by count and by share of the records.
        ("FALSE", {"failOnError": "FALSE", "errorTolerance": {"maxRecordErrors": 5}}),
        ("FALSE", {"failOnError": "FALSE", "errorTolerance": {"maxErrorShare": 0.0001}}),
        # Both limits set: both must hold.
        (
            "FALSE",
            {
                "failOnError": "FALSE",
                "errorTolerance": {"maxRecordErrors": 9, "maxErrorShare": 1e-4},
            },
        ),
        # failOnError TRUE (or not known: Neptune's default) stops at the first bad record: the
        # rest of the data was never loaded, whatever the tolerance.
        ("TRUE", {"loadRequest": {"errorTolerance": {"maxRecordErrors": 1000}}}),
        ("FALSE", {"errorTolerance": {"maxRecordErrors": 1000}}),
    ],
)
def test_record_errors_are_a_failure_outside_tolerance(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    fail_on_error: str,
    options: dict[str, Any],
) -> None:
    load_id = _broken_load(emulator, fail_on_error)
    result = check_status(load_id, **options)
    assert (result["state"], result["neptuneStatus"], result["reason"]) == (
        "FAILED",
        "LOAD_FAILED",
        "LOAD_FAILED",
    )


def test_the_deployment_tolerance_applies_and_a_request_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    from loader_status import handler as status_module

    monkeypatch.setenv("STATUS_TOLERATED_ERRORS_PER_MILLION", "500000")  # half the records
    status_module._settings.cache_clear()
    status_module._checker.cache_clear()
    load_id = _broken_load(emulator, "FALSE")
    tolerated = check_status(load_id, loadRequest={"failOnError": "FALSE"})
    assert tolerated["reason"] == "LOAD_FAILED_ERRORS_TOLERATED"
    overridden = check_status(
        load_id, loadRequest={"failOnError": "FALSE", "errorTolerance": {"maxRecordErrors": 1}}
    )
    assert overridden["state"] == "FAILED"


@pytest.mark.parametrize(
    ("feed_count", "failed_feeds", "logs"),
    [
        # A feed that failed for another cause than record errors.
        (
            [{"LOAD_FAILED": 1}, {"LOAD_S3_READ_ERROR": 1}],
            [
                {"fullUri": "s3://b/a", "status": "LOAD_FAILED", "parsingErrors": 2},
                {"fullUri": "s3://b/b", "status": "LOAD_S3_READ_ERROR"},
            ],
            [{"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "s3://b/a"}],
        ),
        # A failed feed without record errors.
        (
            [{"LOAD_FAILED": 2}],
            [
                {"fullUri": "s3://b/a", "status": "LOAD_FAILED", "parsingErrors": 2},
                {"fullUri": "s3://b/b", "status": "LOAD_FAILED"},
            ],
            [{"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "s3://b/a"}],
        ),
        # An error log entry that is not about a record.
        (
            [{"LOAD_FAILED": 1}],
            [{"fullUri": "s3://b/a", "status": "LOAD_FAILED", "parsingErrors": 2}],
            [{"errorCode": "OUT_OF_MEMORY_ERROR", "errorMessage": "oom", "fileName": "s3://b/a"}],
        ),
        # Files not run yet (Neptune cancelled the rest).
        (
            [{"LOAD_FAILED": 1}, {"LOAD_NOT_STARTED": 1}],
            [{"fullUri": "s3://b/a", "status": "LOAD_FAILED", "parsingErrors": 2}],
            [{"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "s3://b/a"}],
        ),
    ],
)
def test_only_record_errors_are_ever_tolerated(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    feed_count: list[dict[str, int]],
    failed_feeds: list[dict[str, Any]],
    logs: list[dict[str, Any]],
) -> None:
    load_id = emulator.put_load(
        status="LOAD_FAILED",
        overall={"totalRecords": 1000, "parsingErrors": 2},
        feed_count=feed_count,
        failed_feeds=failed_feeds,
        error_logs=logs,
    )
    options = {"failOnError": "FALSE", "errorTolerance": {"maxRecordErrors": 100}}
    assert check_status(load_id, **options)["state"] == "FAILED"
    # The same load with only record-error evidence is tolerated.
    clean = emulator.put_load(
        status="LOAD_FAILED",
        overall={"totalRecords": 1000, "parsingErrors": 2},
        feed_count=[{"LOAD_COMPLETED": 1}, {"LOAD_FAILED": 1}],
        failed_feeds=[failed_feeds[0]],
        error_logs=[{"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "a"}],
    )
    assert check_status(clean, **options)["reason"] == "LOAD_FAILED_ERRORS_TOLERATED"


def test_tolerated_errors_need_complete_evidence(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = _broken_load(emulator, "FALSE")
    _throttle_detail_calls(emulator)
    options = {"failOnError": "FALSE", "errorTolerance": {"maxRecordErrors": 10}}
    result = check_status(load_id, **options)
    assert (result["state"], result["reason"]) == ("RETRY", "EVIDENCE_INCOMPLETE")
    _stop_faults(emulator)
    assert check_status(load_id, **options)["reason"] == "LOAD_FAILED_ERRORS_TOLERATED"


@pytest.mark.parametrize(
    "options",
    [
        {"errorTolerance": {"maxRecordErrors": -1}},
        {"errorTolerance": {"maxErrorShare": 2}},
        {"errorTolerance": {"maxErrorShare": "0.1"}},
        {"errorTolerance": {"other": 1}},
        {"errorTolerance": 5},
        {"failOnError": "maybe"},
        {"loadRequest": "x"},
    ],
)
def test_bad_tolerance_options_are_invalid_input(
    check_status: Callable[..., dict[str, Any]], options: dict[str, Any]
) -> None:
    from neptune_loader.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError):
        check_status("ef478d76-d9da-4d94-8ff1-08d9d4863aa5", **options)
