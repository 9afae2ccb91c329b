"""The status Lambda against the emulator: every status, every error class, the bounds, telemetry."""

from __future__ import annotations

import io
import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator import Fault
from loader_status import handler as status_module
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.statuses import STATUS_TABLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.emulator import NeptuneLoaderEmulator

CONTRACT_KEYS = {
    "loadId", "state", "terminal", "neptuneStatus", "reason", "message", "retryable",
    "nextWaitSeconds", "progress", "failedFeeds",
}  # fmt: skip
PROGRESS_KEYS = {
    "totalRecords", "totalDuplicates", "parsingErrors", "datatypeMismatchErrors", "insertErrors",
    "totalTimeSpent", "startTime", "runNumber", "retryNumber", "feedCount",
}  # fmt: skip
GOOD = "s3://neptune-samples/good/"
BROKEN = "s3://neptune-samples/broken/"


def assert_contract_shape(result: dict[str, Any]) -> None:
    assert set(result) >= CONTRACT_KEYS
    assert set(result["progress"]) == PROGRESS_KEYS
    assert result["terminal"] is (result["state"] in ("SUCCEEDED", "FAILED", "UNAVAILABLE"))
    if result["terminal"]:
        assert result["nextWaitSeconds"] is None
    else:
        assert isinstance(result["nextWaitSeconds"], int)
        assert result["nextWaitSeconds"] >= 1
    if result["state"] == "FAILED":
        assert set(result["errors"]) == {"sample", "byCode", "fetched", "truncated"}
    json.dumps(result)  # JSON-serialisable


@pytest.mark.parametrize("status", sorted(STATUS_TABLE))
def test_every_documented_status_is_reported_per_the_table(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], status: str
) -> None:
    # Given a load that Neptune reports in this status
    load_id = emulator.put_load(status=status)
    # When the Lambda checks it
    result = check_status(load_id)
    # Then the contract's fields follow the status table
    rule = STATUS_TABLE[status]
    assert_contract_shape(result)
    assert result["loadId"] == load_id
    assert result["neptuneStatus"] == status
    assert result["state"] == rule.state.value
    assert result["reason"] == status
    assert result["retryable"] is rule.retryable


def test_unknown_status_is_a_failure_never_success_or_polling(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_CANCELLED")
    result = check_status(load_id)
    assert_contract_shape(result)
    assert (result["state"], result["reason"], result["neptuneStatus"]) == (
        "FAILED",
        "UNKNOWN_STATUS",
        "LOAD_CANCELLED",
    )


def test_completed_with_errors_is_success_with_errors_visible(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    logs = [
        {
            "errorCode": "PARSING_ERROR",
            "errorMessage": "bad line",
            "fileName": "s3://b/k",
            "recordNum": 7,
        }
    ]
    load_id = emulator.put_load(
        status="LOAD_COMPLETED", overall={"totalRecords": 90, "parsingErrors": 1}, error_logs=logs
    )
    result = check_status(load_id)
    assert (result["state"], result["reason"]) == ("SUCCEEDED", "LOAD_COMPLETED_WITH_ERRORS")
    assert result["errors"]["byCode"] == {"PARSING_ERROR": 1}
    assert result["errors"]["sample"][0]["recordNum"] == 7


def test_a_real_load_runs_then_completes_with_counts_from_the_files(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a load of the good sample started through the loader API
    load_id = emulator.start_load(
        {
            "source": GOOD,
            "format": "csv",
            "iamRoleArn": "arn:aws:iam::123456789012:role/R",
            "region": "us-east-1",
        }
    )
    emulator.clock.advance(2)
    # When it is checked while running
    running = check_status(load_id)
    # Then it is IN_PROGRESS, with a cheap poll (no details, no error list)
    assert running["state"] == "IN_PROGRESS"
    assert running["nextWaitSeconds"] >= 10
    status_requests = [path for method, path in emulator.requests if method == "GET"]
    assert status_requests == [f"/loader/{load_id}"]
    # When it has finished
    emulator.clock.advance(3600)
    done = check_status(load_id)
    assert done["state"] == "SUCCEEDED"
    assert done["reason"] == "LOAD_COMPLETED"
    assert done["progress"]["totalRecords"] > running["progress"]["totalRecords"] > 0
    assert done["progress"]["feedCount"] == {"LOAD_COMPLETED": 3}
    assert "errors" not in done


def test_a_broken_file_fails_with_neptune_style_error_details(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.start_load(
        {
            "source": BROKEN,
            "format": "csv",
            "iamRoleArn": "arn:aws:iam::123456789012:role/R",
            "region": "us-east-1",
            "failOnError": "FALSE",
        }
    )
    emulator.clock.advance(3600)
    result = check_status(load_id)
    assert_contract_shape(result)
    # failOnError FALSE: Neptune skips bad records, their files fail and the load with them
    # (issue 11); without a record-error tolerance that is a failure, not to be resumed.
    assert (result["state"], result["neptuneStatus"], result["retryable"]) == (
        "FAILED",
        "LOAD_FAILED",
        False,
    )
    assert result["errors"]["fetched"] >= 1
    assert all(entry["fileName"].startswith(BROKEN) for entry in result["errors"]["sample"])

    strict_id = emulator.start_load(
        {
            "source": BROKEN,
            "format": "csv",
            "iamRoleArn": "arn:aws:iam::123456789012:role/R",
            "region": "us-east-1",
        }
    )
    emulator.clock.advance(3600)
    failed = check_status(strict_id)
    assert (failed["state"], failed["neptuneStatus"], failed["retryable"]) == (
        "FAILED",
        "LOAD_FAILED",
        False,
    )
    first = failed["errors"]["sample"][0]
    assert first["errorCode"] in failed["errors"]["byCode"]
    assert first["errorCode"] in failed["message"]


def test_queued_load_without_feed_count_is_in_progress(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    request = {
        "source": GOOD,
        "format": "csv",
        "iamRoleArn": "arn:aws:iam::123456789012:role/R",
        "region": "us-east-1",
        "queueRequest": "TRUE",
    }
    emulator.start_load(request)
    queued = emulator.start_load(request)
    result = check_status(queued)
    assert (result["state"], result["neptuneStatus"]) == ("IN_PROGRESS", "LOAD_IN_QUEUE")
    assert result["progress"]["feedCount"] == {}
    assert result["nextWaitSeconds"] == 60


def test_resumable_failure_is_marked_retryable(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
    load_id = emulator.start_load(
        {
            "source": GOOD,
            "format": "csv",
            "iamRoleArn": "arn:aws:iam::123456789012:role/R",
            "region": "us-east-1",
        }
    )
    emulator.clock.advance(3600)
    result = check_status(load_id)
    assert (result["state"], result["neptuneStatus"], result["retryable"]) == (
        "FAILED",
        "LOAD_FAILED",
        True,
    )
    assert result["failedFeeds"][0]["status"] == "LOAD_S3_READ_ERROR"


TRANSIENT = [
    (429, "TooManyRequestsException", "TOO_MANY_REQUESTS"),
    (500, "InternalFailureException", "INTERNAL_FAILURE"),
    (408, "ClientTimeoutException", "CLIENT_TIMEOUT"),
    (400, "ConstraintViolationException", "CONSTRAINT_VIOLATION"),
    (503, "ServiceUnavailableException", "SERVICE_UNAVAILABLE"),
    # An expired session token (Lambda refreshes its role's credentials) and a throttled
    # signature check are transient too.
    (403, "ExpiredTokenException", "EXPIRED_TOKEN"),
    (400, "ExpiredToken", "EXPIRED_TOKEN"),
]


@pytest.mark.parametrize(("status", "code", "reason"), TRANSIENT)
def test_transient_api_errors_are_retry_not_failure(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    status: int,
    code: str,
    reason: str,
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(Fault.error(status, code, "try later", times=None))
    result = check_status(load_id, consecutiveRetries=2)
    assert_contract_shape(result)
    assert (result["state"], result["neptuneStatus"], result["reason"]) == ("RETRY", None, reason)
    assert result["nextWaitSeconds"] == 40  # backoff: 10 s doubled per consecutive retry


def test_one_throttled_call_is_absorbed_by_the_in_call_retry(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(Fault.error(429, "TooManyRequestsException", times=1))
    assert check_status(load_id)["state"] == "IN_PROGRESS"


@pytest.mark.parametrize("style", ["404", "400"])
def test_unknown_load_id_is_load_id_not_found(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], style: str
) -> None:
    emulator.not_found_style = style
    result = check_status("00000000-0000-4000-8000-000000000000")
    assert_contract_shape(result)
    assert (result["state"], result["reason"], result["retryable"]) == (
        "FAILED",
        "LOAD_ID_NOT_FOUND",
        False,
    )
    assert "1,024" in result["message"]


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (403, "AccessDeniedException", "ACCESS_DENIED"),
        (400, "UnsupportedOperationException", "UNSUPPORTED_OPERATION"),
        (400, "PreconditionsFailedException", "PRECONDITIONS_FAILED"),
        # Codes botocore does not model: Neptune's detailedMessage must survive all the same.
        (403, "InvalidSignatureException", "INVALID_SIGNATURE"),
        (400, "SomeFutureRefusalException", "SOME_FUTURE_REFUSAL"),
    ],
)
def test_a_refused_status_read_is_unavailable_never_a_failed_load(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    status: int,
    code: str,
    reason: str,
) -> None:
    # Given a running load whose status Neptune refuses to give
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(Fault.error(status, code, "the detailed reason from Neptune", times=None))
    # When the Lambda checks it
    result = check_status(load_id)
    # Then it says the status cannot be read (terminal), not that the load failed
    assert_contract_shape(result)
    assert (result["state"], result["reason"], result["neptuneStatus"]) == (
        "UNAVAILABLE",
        reason,
        None,
    )
    assert (result["terminal"], result["retryable"], result["nextWaitSeconds"]) == (
        True,
        False,
        None,
    )
    assert "errors" not in result
    assert "the detailed reason from Neptune" in result["message"]
    # Only a message that names the permission blames it.
    assert "GetLoaderJobStatus" not in result["message"]


def test_a_missing_permission_is_named_when_neptune_names_it(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    detail = "User is not authorized to perform: neptune-db:GetLoaderJobStatus on resource"
    emulator.add_fault(Fault.error(403, "AccessDeniedException", detail, times=None))
    result = check_status(load_id)
    assert (result["state"], result["reason"]) == ("UNAVAILABLE", "ACCESS_DENIED")
    assert "give the function's role neptune-db:GetLoaderJobStatus" in result["message"]


def test_a_throttled_signature_check_is_retry(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(
        Fault.error(400, "InvalidSignatureException", "Signature check throttled", times=None)
    )
    result = check_status(load_id)
    assert (result["state"], result["reason"], result["terminal"]) == (
        "RETRY",
        "INVALID_SIGNATURE",
        False,
    )


def test_no_credentials_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status_module._checker.cache_clear()
    result = check_status(load_id)
    assert (result["state"], result["reason"], result["neptuneStatus"]) == (
        "UNAVAILABLE",
        "NO_CREDENTIALS",
        None,
    )
    assert "NEPTUNE_IAM_AUTH=false" in result["message"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.drop(times=None), "CONNECTION_ERROR"),
        (
            Fault.body(200, b"<html><body>502 Bad Gateway</body></html>", "text/html", times=None),
            "UNREADABLE_RESPONSE",
        ),
        (
            Fault.body(502, b"<html><body>Bad Gateway</body></html>", "text/html", times=None),
            "HTTP_502",
        ),
        # 50,000 nested "[" defeat json.loads (RecursionError): an unreadable answer, not a crash.
        (Fault.body(200, b"[" * 50_000, "application/json", times=None), "UNREADABLE_RESPONSE"),
        (Fault.body(500, b"[" * 50_000, "application/json", times=None), "UNREADABLE_RESPONSE"),
        (
            Fault.body(
                200,
                b'{"status": "200 OK", "payload": {"overallStatus": {"stat',
                "application/json",
                times=None,
            ),
            "UNREADABLE_RESPONSE",
        ),
        (
            Fault.body(
                200,
                b'{"status": "200 OK", "payload": {"feedCount": []}}',
                "application/json",
                times=None,
            ),
            "UNREADABLE_RESPONSE",
        ),
        (
            Fault.body(
                200,
                b'{"status": "200 OK", "payload": {"overallStatus": {"status": 7}}}',
                "application/json",
                times=None,
            ),
            "UNREADABLE_RESPONSE",
        ),
    ],
)
def test_unreadable_or_dropped_answers_are_retry(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    fault: Fault,
    reason: str,
) -> None:
    load_id = emulator.put_load(status="LOAD_COMPLETED")
    emulator.add_fault(fault)
    result = check_status(load_id)
    assert (result["state"], result["neptuneStatus"]) == ("RETRY", None)
    assert result["reason"] == reason


def test_hanging_neptune_still_answers_within_ten_seconds(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(Fault.hang(seconds=60, times=None))
    started = time.monotonic()
    result = check_status(load_id)
    elapsed = time.monotonic() - started
    assert (result["state"], result["reason"]) == ("RETRY", "CONNECTION_ERROR")
    assert elapsed < 10


def test_failed_detail_fetch_keeps_the_known_failure(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(status="LOAD_FAILED", overall={"parsingErrors": 3})
    # The cheap status call succeeds; every detail call after it is throttled.
    original = emulator.take_fault
    calls = {"n": 0}

    def throttle_after_first(method: str, path: str) -> Fault | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else Fault.error(429, "TooManyRequestsException")

    emulator.take_fault = throttle_after_first  # type: ignore[method-assign]
    try:
        result = check_status(load_id)
    finally:
        emulator.take_fault = original  # type: ignore[method-assign]
    assert (result["state"], result["neptuneStatus"]) == ("FAILED", "LOAD_FAILED")
    assert result["errors"]["fetched"] == 0
    assert result["errors"]["truncated"] is True
    assert "could not be fetched" in result["message"]


def test_unreachable_endpoint_is_retry(
    monkeypatch: pytest.MonkeyPatch, check_status: Callable[..., dict[str, Any]]
) -> None:
    monkeypatch.setenv("NEPTUNE_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    status_module._settings.cache_clear()
    status_module._checker.cache_clear()
    result = check_status("ef478d76-d9da-4d94-8ff1-08d9d4863aa5")
    assert (result["state"], result["reason"]) == ("RETRY", "CONNECTION_ERROR")


def test_ten_thousand_long_non_ascii_errors_stay_bounded(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    message = "Ошибка разбора: значение не соответствует типу 🚫 " * 40
    logs = [
        {
            "errorCode": "PARSING_ERROR",
            "errorMessage": message,
            "fileName": f"s3://b/ключ-{i}.csv",
            "recordNum": i,
        }
        for i in range(10_000)
    ]
    load_id = emulator.put_load(
        status="LOAD_FAILED", overall={"parsingErrors": 10_000}, error_logs=logs
    )
    result = check_status(load_id)
    workflow_size = len(json.dumps(result, ensure_ascii=True).encode())
    assert workflow_size < 24_000
    assert result["errors"]["fetched"] == 100
    assert result["errors"]["truncated"] is True
    assert result["errors"]["byCode"] == {"PARSING_ERROR": 100}
    page = check_status(load_id, includeErrors=True, page=7, errorsPerPage=100)
    assert len(json.dumps(page, ensure_ascii=True).encode()) < 256 * 1024
    assert page["errors"]["sample"][0]["recordNum"] == 600
    assert page["errors"]["truncated"] is True


def test_ad_hoc_error_page_on_a_running_load(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    logs = [
        {"errorCode": "INSERT_ERROR", "errorMessage": f"e{i}", "fileName": "f", "recordNum": i}
        for i in range(25)
    ]
    load_id = emulator.put_load(
        status="LOAD_IN_PROGRESS", overall={"insertErrors": 25}, error_logs=logs
    )
    result = check_status(load_id, includeErrors=True, page=3, errorsPerPage=10)
    assert result["state"] == "IN_PROGRESS"
    assert [entry["recordNum"] for entry in result["errors"]["sample"]] == list(range(20, 25))
    assert result["errors"]["truncated"] is False


@pytest.mark.parametrize("event", [{}, {"loadId": ""}, {"loadId": "nope"}, {"loadId": 5}, [], "x"])
def test_invalid_input_raises_before_any_call(
    emulator: NeptuneLoaderEmulator, lambda_env: None, lambda_context: Any, event: Any
) -> None:
    with pytest.raises(InvalidInputError):
        status_module.handler(event, lambda_context)
    assert emulator.requests == []


def test_unsigned_requests_when_iam_auth_is_off(
    monkeypatch: pytest.MonkeyPatch,
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    monkeypatch.setenv("NEPTUNE_IAM_AUTH", "false")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    status_module._settings.cache_clear()
    status_module._checker.cache_clear()
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    assert check_status(load_id)["state"] == "IN_PROGRESS"


def test_emits_emf_metrics_and_structured_logs_with_the_load_id(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Powertools' log handler keeps the stdout it saw at import; point it at this test's capture.
    log_stream = io.StringIO()
    previous = status_module.logger.registered_handler.setStream(log_stream)  # type: ignore[attr-defined]
    load_id = emulator.put_load(status="LOAD_COMPLETED", overall={"totalRecords": 42})
    try:
        check_status(load_id)
    finally:
        status_module.logger.registered_handler.setStream(previous)  # type: ignore[attr-defined]
    output = capsys.readouterr().out + log_stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    emf = [line for line in lines if "_aws" in line]
    logs = [line for line in lines if line.get("message") == "Load status checked"]
    assert emf
    assert logs
    metric_names = {m["Name"] for d in emf for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"StatusChecks", "RecordsLoaded", "RecordErrors"} <= metric_names
    assert any(d.get("State") == "SUCCEEDED" and d.get("RecordsLoaded") == [42.0] for d in emf)
    assert logs[0]["correlation_id"] == load_id
    assert logs[0]["state"] == "SUCCEEDED"
    assert logs[0]["function_name"] == "loader-status"
    text = json.dumps(lines)
    assert "wJalrXUtnFEMI" not in text
    assert "AKIDEXAMPLE" not in text


def test_configuration_error_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, lambda_env: None, lambda_context: Any
) -> None:
    monkeypatch.delenv("NEPTUNE_ENDPOINT")
    status_module._settings.cache_clear()
    with pytest.raises(Exception, match="NEPTUNE_ENDPOINT is not set"):
        status_module.handler({"loadId": "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"}, lambda_context)


@pytest.mark.parametrize("status", [" LOAD_COMPLETED ", "LOAD_COMPLETED\n", "Load_Completed"])
def test_only_the_exact_load_completed_is_success(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], status: str
) -> None:
    result = check_status(emulator.put_load(status=status))
    assert (result["state"], result["reason"]) == ("FAILED", "UNKNOWN_STATUS")


@pytest.mark.parametrize(("errors", "truncated"), [(100, False), (101, True), (99, False)])
def test_truncated_follows_neptunes_error_count_not_page_fullness(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    errors: int,
    truncated: bool,
) -> None:
    logs = [
        {"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "f", "recordNum": i}
        for i in range(errors)
    ]
    load_id = emulator.put_load(
        status="LOAD_FAILED", overall={"parsingErrors": errors}, error_logs=logs
    )
    result = check_status(load_id)
    assert result["errors"]["fetched"] == min(errors, 100)
    assert result["errors"]["truncated"] is truncated


def test_routine_running_checks_log_at_debug_and_endings_at_info(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    log_stream = io.StringIO()
    previous = status_module.logger.registered_handler.setStream(log_stream)  # type: ignore[attr-defined]
    try:
        check_status(emulator.put_load(status="LOAD_IN_PROGRESS"))
        running_lines = log_stream.getvalue()
        check_status(emulator.put_load(status="LOAD_FAILED"))
    finally:
        status_module.logger.registered_handler.setStream(previous)  # type: ignore[attr-defined]
    assert "Load status checked" not in running_lines
    ended = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    assert [(line["level"], line["state"]) for line in ended] == [("INFO", "FAILED")]


def test_a_body_trickling_in_is_cut_off_within_ten_seconds(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a Neptune (or proxy) that sends one byte every 0.5 s: no single socket read times out
    load_id = emulator.put_load(status="LOAD_IN_PROGRESS")
    emulator.add_fault(Fault.trickle(seconds_per_byte=0.5, times=None))
    started = time.monotonic()
    result = check_status(load_id)
    elapsed = time.monotonic() - started
    # Then the wall-clock limit ends the call: a RETRY, well inside the 10 s promise
    assert (result["state"], result["reason"]) == ("RETRY", "CONNECTION_ERROR")
    assert "did not answer within" in result["message"]
    assert elapsed < 10
    # And the interrupted connection is not reused: the next check reads the status cleanly
    emulator.clear_faults()
    assert check_status(load_id)["state"] == "IN_PROGRESS"


def test_a_running_load_with_skipped_records_is_still_one_cheap_call(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    logs = [{"errorCode": "PARSING_ERROR", "errorMessage": "bad", "fileName": "f", "recordNum": 3}]
    load_id = emulator.put_load(
        status="LOAD_IN_PROGRESS", overall={"parsingErrors": 1}, error_logs=logs
    )
    result = check_status(load_id)
    # The counters show the errors; the list waits for the end of the load
    assert result["progress"]["parsingErrors"] == 1
    assert result["errors"] == {"sample": [], "byCode": {}, "fetched": 0, "truncated": True}
    assert emulator.requests == [("GET", f"/loader/{load_id}")]
