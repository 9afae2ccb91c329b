"""Fault injection at the handler level: the status Lambda over real boto3 and HTTP against the
emulator while Neptune throttles, fails, hangs, drops, garbles, forgets or invents statuses.

Every scenario states Neptune's real status (the truth), runs one or many invocations, and checks
each one: the expected state and reason, within 10 s, valid against the contract, under 256 KiB,
and never SUCCEEDED unless the truth is LOAD_COMPLETED. Each is recorded in the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from reliability_support import LEDGER, Measured, Outcome, is_false_success

from loadctl.emulator import Fault

if TYPE_CHECKING:
    from conftest import StatusInvoker

    from loadctl.emulator import NeptuneLoaderEmulator

GOOD_REQUEST = {
    "source": "s3://neptune-samples/good/",
    "format": "csv",
    "iamRoleArn": "arn:aws:iam::123456789012:role/R",
    "region": "us-east-1",
}
HTML_PROXY_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center>"
    b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


def envelope(payload: object) -> bytes:
    """A 200 body in Neptune's envelope around ``payload``."""
    return json.dumps({"status": "200 OK", "payload": payload}).encode()


def body(raw: bytes, status: int = 200, content_type: str = "application/json") -> Fault:
    """Serve ``raw`` on every request from now on."""
    return Fault.body(status, raw, content_type, times=None)


@dataclass(frozen=True)
class Scenario:
    """One fault: how to provoke it and what every invocation under it must answer."""

    name: str
    truth: str  # the load's real status in Neptune
    faults: tuple[Fault, ...]
    state: str
    reason: str
    invocations: int = 1
    overall: dict[str, Any] | None = None


def _scenarios() -> list[Scenario]:
    done, running, failed = "LOAD_COMPLETED", "LOAD_IN_PROGRESS", "LOAD_FAILED"
    throttle = Fault.error(429, "TooManyRequestsException", times=None)
    return [
        # Throttling storms: many checks in a row, none may read as done or failed.
        Scenario("throttling storm (429) x40", done, (throttle,), "RETRY", "TOO_MANY_REQUESTS", 40),
        Scenario(
            "throttling storm (400 ThrottlingException) x20",
            failed,
            (Fault.error(400, "ThrottlingException", "Rate exceeded", times=None),),
            "RETRY",
            "THROTTLING",
            20,
        ),
        Scenario(
            "throttling, HTML 429 from a proxy x10",
            done,
            (body(b"<html><body>Too Many Requests</body></html>", 429, "text/html"),),
            "RETRY",
            "HTTP_429",
            10,
        ),
        Scenario(
            "one throttled attempt (absorbed by the in-call retry)",
            done,
            (Fault.error(429, "TooManyRequestsException", times=1),),
            "SUCCEEDED",
            "LOAD_COMPLETED",
        ),
        # 5xx bursts.
        *[
            Scenario(
                f"5xx burst {status} {code} x15",
                done,
                (Fault.error(status, code, "Injected server error", times=None),),
                "RETRY",
                reason,
                15,
            )
            for status, code, reason in (
                (500, "InternalFailureException", "INTERNAL_FAILURE"),
                (503, "ServiceUnavailableException", "SERVICE_UNAVAILABLE"),
                (500, "MemoryLimitExceededException", "MEMORY_LIMIT_EXCEEDED"),
                (500, "TimeLimitExceededException", "TIME_LIMIT_EXCEEDED"),
            )
        ],
        *[
            Scenario(
                f"5xx burst {status} HTML proxy page x10",
                done,
                (body(HTML_PROXY_PAGE, status, "text/html"),),
                "RETRY",
                f"HTTP_{status}",
                10,
            )
            for status in (502, 503, 504)
        ],
        Scenario(
            "5xx with a 60,000-character error code",
            done,
            (Fault.error(500, "E" * 60_000, "Injected server error", times=None),),
            "RETRY",
            "E" * 99,  # the code clipped to 100 characters, its ellipsis dropped
        ),
        Scenario(
            "one 500 (absorbed by the in-call retry)",
            failed,
            (Fault.error(500, "InternalFailureException", times=1),),
            "FAILED",
            "LOAD_FAILED",
        ),
        # Dropped connections.
        Scenario(
            "dropped connection, every attempt",
            done,
            (Fault.drop(times=None),),
            "RETRY",
            "CONNECTION_ERROR",
            5,
        ),
        Scenario(
            "dropped connection, once", running, (Fault.drop(times=1),), "IN_PROGRESS", running
        ),
        # Hanging responses (the deployed 1 s connect / 2 s read timeouts, two attempts).
        Scenario(
            "hanging response, 60 s every attempt",
            done,
            (Fault.hang(60, times=None),),
            "RETRY",
            "CONNECTION_ERROR",
        ),
        Scenario(
            "body trickling in, 1 byte every 0.5 s (no single read times out)",
            done,
            (Fault.trickle(0.5, times=None),),
            "RETRY",
            "CONNECTION_ERROR",
        ),
        Scenario(
            "slow response, 1 s once",
            done,
            (Fault.hang(1.0, times=1),),
            "SUCCEEDED",
            "LOAD_COMPLETED",
        ),
        # Unreadable bodies.
        Scenario(
            "HTML error page with HTTP 200 (proxy)",
            done,
            (body(HTML_PROXY_PAGE, 200, "text/html"),),
            "RETRY",
            "UNREADABLE_RESPONSE",
            3,
        ),
        Scenario("empty body with HTTP 200", done, (body(b""),), "RETRY", "UNREADABLE_RESPONSE"),
        Scenario(
            "truncated JSON",
            done,
            (body(envelope({"overallStatus": {"status": done}})[:40]),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "JSON followed by garbage",
            done,
            (body(envelope({"overallStatus": {"status": done}}) + b"}}garbage"),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "invalid UTF-8 bytes",
            done,
            (body(b'{"status": "200 OK", "payload": {"\xff\xfe": 1}}'),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario("JSON null", done, (body(b"null"),), "RETRY", "UNREADABLE_RESPONSE"),
        Scenario("JSON array", done, (body(b"[1, 2, 3]"),), "RETRY", "UNREADABLE_RESPONSE"),
        Scenario(
            "payload is a string",
            done,
            (body(envelope("LOAD_COMPLETED")),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "payload missing",
            done,
            (body(b'{"status": "200 OK"}'),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "overallStatus missing",
            done,
            (body(envelope({"feedCount": [{done: 1}]})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "overallStatus is a list",
            done,
            (body(envelope({"overallStatus": [done]})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "status is a number",
            done,
            (body(envelope({"overallStatus": {"status": 200}})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "status is null",
            done,
            (body(envelope({"overallStatus": {"status": None}})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "status is a list",
            done,
            (body(envelope({"overallStatus": {"status": [done]}})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "status is blank",
            done,
            (body(envelope({"overallStatus": {"status": "  "}})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        Scenario(
            "top-level status says 200 OK, payload status elsewhere",
            done,
            (body(envelope({"status": done})),),
            "RETRY",
            "UNREADABLE_RESPONSE",
        ),
        # Missing fields and wrong types around a readable status.
        Scenario(
            # Issue 11: an unreadable counter is no evidence: never a success on it.
            "completed with counters of wrong types",
            done,
            (),
            "RETRY",
            "UNREADABLE_COUNTERS",
            overall={
                "totalRecords": "many",
                "totalDuplicates": -5,
                "parsingErrors": None,
                "datatypeMismatchErrors": True,
                "insertErrors": [1],
                "totalTimeSpent": "3",
                "startTime": "yesterday",
                "runNumber": {"n": 1},
                "retryNumber": 1.5,
            },
        ),
        Scenario(
            "completed with counters as Unicode digits and 5,000-digit strings",
            done,
            (),
            "RETRY",
            "UNREADABLE_COUNTERS",
            overall={"totalRecords": "²", "totalDuplicates": "١٢", "insertErrors": "9" * 5_000},
        ),
        Scenario(
            "completed with every optional field missing",
            done,
            (body(envelope({"overallStatus": {"status": done}})),),
            "SUCCEEDED",
            "LOAD_COMPLETED",
        ),
        Scenario(
            "completed with huge and float counters",
            done,
            (),
            "SUCCEEDED",
            "LOAD_COMPLETED",
            overall={"totalRecords": 10**30, "totalTimeSpent": 1e308, "startTime": -1.5},
        ),
        Scenario(
            "failed with feedCount, failedFeeds and errors of wrong shapes",
            failed,
            (
                body(
                    envelope(
                        {
                            "overallStatus": {"status": failed, "parsingErrors": 3},
                            "feedCount": {"LOAD_FAILED": "x", "": None},
                            "failedFeeds": "s3://b/k",
                            "errors": {"errorLogs": {"errorCode": "PARSING_ERROR"}},
                        }
                    )
                ),
            ),
            "FAILED",
            "LOAD_FAILED",
        ),
        Scenario(
            "failed with error entries of wrong types",
            failed,
            (
                body(
                    envelope(
                        {
                            "overallStatus": {"status": failed, "parsingErrors": 3},
                            "feedCount": [[1], "LOAD_FAILED", {"LOAD_FAILED": 1}],
                            "failedFeeds": [None, 7, {"status": 5, "fullUri": ["x"]}],
                            "errors": {"errorLogs": [None, 1, "text", {"recordNum": "x" * 9}]},
                        }
                    )
                ),
            ),
            "FAILED",
            "LOAD_FAILED",
        ),
        Scenario(
            "running, queued shape (no feedCount)",
            running,
            (body(envelope({"overallStatus": {"status": running}})),),
            "IN_PROGRESS",
            running,
        ),
        # Statuses nobody has seen: loudly FAILED, never success, never "keep polling".
        *[
            Scenario(f"unknown status {label}", status, (), "FAILED", "UNKNOWN_STATUS")
            for label, status in (
                ("LOAD_CANCELLED", "LOAD_CANCELLED"),
                ("lower-case load_completed", "load_completed"),
                ("LOAD_COMPLETED_WITH_ERRORS (not a Neptune status)", "LOAD_COMPLETED_WITH_ERRORS"),
                ("LOAD_COMPLETE", "LOAD_COMPLETE"),
                ("COMPLETED", "COMPLETED"),
                ("SUCCEEDED", "SUCCEEDED"),
                ("non-ASCII", "LOAD_ЗАВЕРШЕНО ✅"),
                ("10,000 characters", "LOAD_" + "X" * 9_995),
                ("embedded NUL", "LOAD_COMPLETED\x00"),
                ("LOAD_COMPLETED with a zero-width space", "LOAD_COMPLETED\u200b"),
            )
        ],
    ]


SCENARIOS = _scenarios()


def skip_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set botocore's jittered in-call backoff (at most 1 s before the second attempt) to zero.

    Only for storms of many invocations, to keep the suite fast; single-invocation scenarios keep
    the real backoff, so the worst invocation time is measured with it.
    """
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def _fails_as_expected(measured: Measured, scenario: Scenario) -> bool:
    result = measured.result
    return result["state"] == scenario.state and result["reason"] == scenario.reason


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault_scenario(
    emulator: NeptuneLoaderEmulator,
    invoke_status: StatusInvoker,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
) -> None:
    if scenario.invocations > 1:
        skip_backoff_sleep(monkeypatch)
    # Given a load whose real status is the scenario's truth, behind the scripted faults
    load_id = emulator.put_load(status=scenario.truth, overall=scenario.overall)
    for fault in scenario.faults:
        emulator.add_fault(fault)
    outcome = LEDGER.add(Outcome("fault: handler", scenario.name, handled=False))
    # When the status Lambda checks it, as often as the scenario says
    runs: list[Measured] = []
    for attempt in range(scenario.invocations):
        runs.append(invoke_status(load_id, consecutiveRetries=attempt))
        outcome.invocations += 1
        outcome.worst_seconds = max(outcome.worst_seconds, runs[-1].seconds)
        outcome.largest_bytes = max(outcome.largest_bytes, runs[-1].size)
        outcome.false_success |= is_false_success(runs[-1].result, scenario.truth)
    # Then every answer is the expected one, and RETRY backs off within its bounds
    assert not outcome.false_success
    for measured in runs:
        assert (measured.result["state"], measured.result["reason"]) == (
            scenario.state,
            scenario.reason,
        )
        assert measured.result["loadId"] == load_id
    if scenario.state == "RETRY":
        waits = [m.result["nextWaitSeconds"] for m in runs]
        assert waits == sorted(waits)
        assert max(waits) <= 300
        assert all(m.result["message"] for m in runs)
    outcome.handled = all(_fails_as_expected(m, scenario) for m in runs)


@pytest.mark.parametrize("style", ["404", "400"])
def test_load_evicted_mid_poll_after_1024_newer_loads(
    emulator: NeptuneLoaderEmulator, invoke_status: StatusInvoker, style: str
) -> None:
    # Given a real load that is being watched
    emulator.not_found_style = style  # type: ignore[assignment]
    outcome = LEDGER.add(
        Outcome("fault: handler", f"load id evicted mid-poll ({style})", handled=False)
    )
    load_id = emulator.start_load(dict(GOOD_REQUEST))
    emulator.clock.advance(1)  # type: ignore[attr-defined]
    first = invoke_status(load_id)
    assert first.result["state"] == "IN_PROGRESS"
    # When 1,023 newer loads arrive it is still known; the 1,024th pushes it out
    for _ in range(1_023):
        emulator.put_load(status="LOAD_COMPLETED")
    still = invoke_status(load_id)
    assert still.result["state"] in ("IN_PROGRESS", "SUCCEEDED")
    emulator.put_load(status="LOAD_COMPLETED")
    gone = invoke_status(load_id, checks=2)
    # Then the check fails for good with the reason and the hint, never success or polling on
    runs = (first, still, gone)
    outcome.invocations = len(runs)
    outcome.worst_seconds = max(m.seconds for m in runs)
    outcome.largest_bytes = max(m.size for m in runs)
    assert (gone.result["state"], gone.result["reason"], gone.result["terminal"]) == (
        "FAILED",
        "LOAD_ID_NOT_FOUND",
        True,
    )
    assert "1,024" in gone.result["message"]
    outcome.handled = True


def _long_errors(count: int) -> list[dict[str, Any]]:
    texts = (
        "Ошибка разбора: значение «abc» не соответствует типу Int 🚫 ",
        "解析错误, 第 {i} 行的值无效 ",
        "خطأ في التحليل: قيمة غير صالحة ",
        'quote " backslash \\ tab \t newline \n NUL \x00 bell \x07 ',
        "e\u0301\u0301\u0301 combining ",
    )
    return [
        {
            "errorCode": ("PARSING_ERROR", "INSERT_ERROR", "Ошибка")[i % 3],
            "errorMessage": texts[i % len(texts)].replace("{i}", str(i)) * 60,
            "fileName": f"s3://bucket/données/ファイル-{i % 7}.csv",
            "recordNum": i,
        }
        for i in range(count)
    ]


def test_ten_thousand_long_non_ascii_errors_on_every_path(
    emulator: NeptuneLoaderEmulator, invoke_status: StatusInvoker
) -> None:
    # Given a failed load with Neptune's maximum of 10,000 long, non-ASCII error details
    outcome = LEDGER.add(Outcome("fault: handler", "10,000 long non-ASCII errors", handled=False))
    logs = _long_errors(10_000)
    load_id = emulator.put_load(
        status="LOAD_FAILED",
        overall={"parsingErrors": 6_667, "insertErrors": 3_333},
        error_logs=logs,
    )
    # When the workflow checks it, and a person pages through the errors
    runs = [invoke_status(load_id)]
    for page in (1, 2, 50, 99, 100, 101):
        runs.append(invoke_status(load_id, includeErrors=True, page=page, errorsPerPage=100))
    outcome.invocations = len(runs)
    outcome.worst_seconds = max(m.seconds for m in runs)
    outcome.largest_bytes = max(m.size for m in runs)
    # Then the workflow's answer fits a Fail state's Cause and keeps the first error's detail
    workflow = runs[0].result
    assert (workflow["state"], workflow["reason"]) == ("FAILED", "LOAD_FAILED")
    assert len(json.dumps(workflow)) < 24_000
    assert workflow["errors"]["truncated"] is True
    assert workflow["errors"]["sample"][0]["errorMessage"].startswith("Ошибка разбора")
    assert logs[0]["errorMessage"].startswith(workflow["errors"]["sample"][0]["errorMessage"][:-1])
    assert "Ошибка разбора" in workflow["message"]
    # every page is under 256 KiB and starts where it should; past the end it is empty
    pages = {page: m.result for page, m in zip((1, 2, 50, 99, 100, 101), runs[1:], strict=True)}
    for page, result in pages.items():
        sample = result["errors"]["sample"]
        if page <= 100:
            assert sample, page
            assert sample[0]["recordNum"] == (page - 1) * 100
        else:
            assert sample == []
    assert pages[99]["errors"]["truncated"] is True
    assert not any(is_false_success(m.result, "LOAD_FAILED") for m in runs)
    outcome.handled = True


def test_a_single_page_of_ten_thousand_errors_and_distinct_codes_is_bounded(
    emulator: NeptuneLoaderEmulator, invoke_status: StatusInvoker
) -> None:
    # Given a misbehaving answer that puts 10,000 entries with distinct codes into one page
    outcome = LEDGER.add(
        Outcome("fault: handler", "10,000 errors in one page, distinct codes", handled=False)
    )
    logs = [
        {"errorCode": f"CODE_{i}_" + "Ж" * 100, "errorMessage": "😀Ж" * 300, "recordNum": i}
        for i in range(10_000)
    ]
    payload = {"overallStatus": {"status": "LOAD_FAILED", "parsingErrors": 10_000}}
    emulator.add_fault(
        Fault.body(200, envelope(payload), times=1, method="GET")
    )  # the cheap status call
    page = json.dumps(
        {"status": "200 OK", "payload": {**payload, "errors": {"errorLogs": logs}}},
        ensure_ascii=False,
    ).encode()
    emulator.add_fault(body(page))
    load_id = emulator.put_load(status="LOAD_FAILED")
    # When the workflow checks it, and when a person asks for errors
    runs = [invoke_status(load_id), invoke_status(load_id, includeErrors=True, errorsPerPage=100)]
    outcome.invocations = 2
    outcome.worst_seconds = max(m.seconds for m in runs)
    outcome.largest_bytes = max(m.size for m in runs)
    # Then both answers are bounded, and the counts by code keep at most 20 codes
    for measured in runs:
        assert measured.result["state"] == "FAILED"
        assert len(measured.result["errors"]["byCode"]) <= 20
        assert measured.result["errors"]["truncated"] is True
    assert len(json.dumps(runs[0].result)) < 24_000
    outcome.handled = True


def test_hang_on_the_error_details_keeps_the_known_failure_within_ten_seconds(
    emulator: NeptuneLoaderEmulator, invoke_status: StatusInvoker
) -> None:
    # Given a failed load whose cheap status call answers but every detail call hangs
    outcome = LEDGER.add(Outcome("fault: handler", "hang on the error-detail calls", handled=False))
    load_id = emulator.put_load(
        status="LOAD_FAILED", overall={"parsingErrors": 2}, error_logs=_long_errors(2)
    )
    original: Callable[[str, str], Fault | None] = emulator.take_fault
    seen = {"calls": 0}

    def hang_after_first(method: str, path: str) -> Fault | None:
        seen["calls"] += 1
        return None if seen["calls"] == 1 else Fault.hang(60)

    emulator.take_fault = hang_after_first  # type: ignore[method-assign]
    try:
        measured = invoke_status(load_id)
    finally:
        emulator.take_fault = original  # type: ignore[method-assign]
    outcome.invocations, outcome.worst_seconds = 1, measured.seconds
    outcome.largest_bytes = measured.size
    # Then the failure Neptune reported stands, with a note that details are missing
    assert (measured.result["state"], measured.result["reason"]) == ("FAILED", "LOAD_FAILED")
    assert "could not be fetched" in measured.result["message"]
    outcome.handled = True


def test_many_checks_through_a_flapping_neptune_never_lie(
    emulator: NeptuneLoaderEmulator, invoke_status: StatusInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_backoff_sleep(monkeypatch)
    # Given a real load checked 60 times while Neptune alternates between answers and faults
    outcome = LEDGER.add(Outcome("fault: handler", "flapping Neptune, 60 checks", handled=False))
    load_id = emulator.start_load(dict(GOOD_REQUEST))
    faults = [
        Fault.error(429, "TooManyRequestsException", times=2),
        Fault.error(503, "ServiceUnavailableException", times=2),
        Fault.drop(times=2),
        Fault.body(200, HTML_PROXY_PAGE, "text/html", times=2),
        None,
    ]
    states = []
    for check in range(60):
        fault = faults[check % len(faults)]
        if fault is not None:
            emulator.add_fault(Fault(**{**fault.__dict__}))
        measured = invoke_status(load_id)
        emulator.clear_faults()
        truth = emulator.status(load_id)["overallStatus"]["status"]
        emulator.clock.advance(30)  # type: ignore[attr-defined]
        outcome.invocations += 1
        outcome.worst_seconds = max(outcome.worst_seconds, measured.seconds)
        outcome.largest_bytes = max(outcome.largest_bytes, measured.size)
        outcome.false_success |= is_false_success(measured.result, truth)
        states.append(measured.result["state"])
    # Then faulted checks said RETRY, clean ones the real state, and it ends SUCCEEDED
    assert not outcome.false_success
    assert set(states) <= {"RETRY", "IN_PROGRESS", "SUCCEEDED"}
    assert states.count("RETRY") == 48
    assert states[-1] == "SUCCEEDED"
    outcome.handled = True
