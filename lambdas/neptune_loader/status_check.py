"""Check one load: call Neptune (cheaply while it runs, in detail when it ends badly) and build the
contract's status object. Used by the status Lambda and by the command line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypedDict

from neptune_loader.api_errors import ApiFailure, classify_api_error
from neptune_loader.error_summary import (
    COUNTERS,
    ERROR_COUNTERS,
    ErrorEntry,
    ErrorSummary,
    clip,
    count,
    error_entry,
    failed_feeds,
    feed_counts,
    json_size,
    number_or_none,
    summarize,
)
from neptune_loader.statuses import (
    COMPLETED_WITH_ERRORS,
    RESUMABLE_ERROR_MESSAGES,
    RESUMABLE_FEED_STATUSES,
    State,
    StatusRule,
    classify,
)
from neptune_loader.validation import MAX_ERRORS_PER_PAGE
from neptune_loader.wait_policy import (
    ProgressMark,
    WaitPolicy,
    advance_mark,
    next_wait_seconds,
)

if TYPE_CHECKING:
    from neptune_loader.neptune_client import Deadline, LoaderStatusApi
    from neptune_loader.validation import StatusRequest

LOGGER = logging.getLogger(__name__)

# The workflow copies the status object into a Fail state's Cause (at most 32,768 characters), so a
# status built for the workflow stays well under that; ad hoc error pages may use more of the
# 256 KiB Step Functions/Lambda payload limit.
WORKFLOW_OUTPUT_BUDGET = 24_000
AD_HOC_OUTPUT_BUDGET = 200_000


class Progress(TypedDict):
    """The contract's ``progress`` object."""

    totalRecords: int
    totalDuplicates: int
    parsingErrors: int
    datatypeMismatchErrors: int
    insertErrors: int
    totalTimeSpent: int | float
    startTime: int | float | None
    runNumber: int | None
    retryNumber: int | None
    feedCount: dict[str, int]


def empty_progress() -> Progress:
    """Progress when nothing is known (the status could not be read)."""
    return Progress(
        totalRecords=0,
        totalDuplicates=0,
        parsingErrors=0,
        datatypeMismatchErrors=0,
        insertErrors=0,
        totalTimeSpent=0,
        startTime=None,
        runNumber=None,
        retryNumber=None,
        feedCount={},
    )


def read_progress(overall: dict[str, Any], feed_count_raw: object) -> Progress:
    """Progress from ``overallStatus`` and ``feedCount``, tolerating missing and mistyped fields."""
    progress = empty_progress()
    for name in COUNTERS:
        progress[name] = count(overall.get(name))  # type: ignore[literal-required]
    progress["totalTimeSpent"] = max(0, number_or_none(overall.get("totalTimeSpent")) or 0)
    progress["startTime"] = number_or_none(overall.get("startTime"))
    run, retry = (
        number_or_none(overall.get("runNumber")),
        number_or_none(overall.get("retryNumber")),
    )
    progress["runNumber"] = int(run) if run is not None else None
    progress["retryNumber"] = int(retry) if retry is not None else None
    progress["feedCount"] = feed_counts(feed_count_raw)
    return progress


def _output(
    load_id: str,
    state: State,
    *,
    neptune_status: str | None,
    reason: str,
    message: str,
    retryable: bool = False,
    next_wait: int | None = None,
    progress: Progress | None = None,
    errors: ErrorSummary | None = None,
    feeds: list[dict[str, Any]] | None = None,
    mark: ProgressMark | None = None,
) -> dict[str, Any]:
    terminal = state in (State.SUCCEEDED, State.FAILED)
    result: dict[str, Any] = {
        "loadId": load_id,
        "state": state.value,
        "terminal": terminal,
        "neptuneStatus": neptune_status,
        "reason": reason,
        "message": message,
        "retryable": retryable if state is State.FAILED else False,
        "nextWaitSeconds": None if terminal else next_wait,
        "progress": progress if progress is not None else empty_progress(),
        "failedFeeds": feeds or [],
        # Additive to the contract: the loop passes it back with the next check; null when the
        # status could not be read (the loop then keeps the mark it has).
        "progressMark": mark.to_json() if mark is not None else None,
    }
    if errors is not None:
        result["errors"] = errors
    return result


def _no_errors() -> ErrorSummary:
    return ErrorSummary(sample=[], byCode={}, fetched=0, truncated=False)


def api_failure_output(
    load_id: str,
    failure: ApiFailure,
    policy: WaitPolicy,
    consecutive_retries: int,
    request: StatusRequest | None = None,
) -> dict[str, Any]:
    """The status object when the status call itself failed (``request`` brings the loop's
    counters, so a RETRY wait respects the loop's check budget too)."""
    if failure.transient:
        wait = next_wait_seconds(
            policy,
            state=State.RETRY,
            neptune_status=None,
            elapsed_seconds=0,
            feed_count={},
            consecutive_retries=consecutive_retries,
            budget=request.budget if request is not None else None,
            checks=request.checks if request is not None else 0,
            waited_seconds=request.waited_seconds if request is not None else 0.0,
        )
        return _output(
            load_id,
            State.RETRY,
            neptune_status=None,
            reason=failure.reason,
            message=failure.message,
            next_wait=wait,
        )
    return _output(
        load_id,
        State.FAILED,
        neptune_status=None,
        reason=failure.reason,
        message=failure.message,
        errors=_no_errors(),
    )


def _fetch_errors(
    api: LoaderStatusApi,
    request: StatusRequest,
    deadline: Deadline,
    max_errors: int,
    reported_errors: int,
) -> tuple[list[ErrorEntry], list[dict[str, Any]], bool, bool]:
    """Page through ``errorLogs`` (and read ``failedFeeds``) within the invocation's time budget.

    Returns the entries, the failed feeds, whether the list was cut, and whether any call failed.
    """
    entries: list[ErrorEntry] = []
    feeds: list[dict[str, Any]] = []
    if request.include_errors:
        pages, per_page, first_page = 1, request.errors_per_page, request.page
    else:
        per_page = max(1, min(MAX_ERRORS_PER_PAGE, max_errors))
        pages, first_page = max(1, -(-max_errors // per_page)), 1
    more = True
    for page in range(first_page, first_page + pages):
        if not api.can_call(deadline):
            return entries, feeds, True, False
        try:
            payload = api.get_status(
                request.load_id, details=True, errors=True, page=page, errors_per_page=per_page
            )
        except Exception as error:  # classified and logged; the load's own status is already known
            failure = classify_api_error(error)
            LOGGER.warning("Fetching error details failed: %s (%s)", failure.code, failure.reason)
            return entries, feeds, True, True
        if page == first_page:
            feeds = failed_feeds(payload.get("failedFeeds"))
        errors_obj = payload.get("errors")
        logs = errors_obj.get("errorLogs") if isinstance(errors_obj, dict) else None
        page_entries = [error_entry(item) for item in logs] if isinstance(logs, list) else []
        entries.extend(page_entries[:per_page])
        more = len(page_entries) >= per_page
        if not more:
            break
    # For one requested page, "truncated" says whether more pages exist after it. Neptune's
    # counters say how many errors exist; a full last page alone does not mean more.
    seen = len(entries) + ((request.page - 1) * per_page if request.include_errors else 0)
    truncated = seen < reported_errors if reported_errors else more
    return entries, feeds, truncated, False


def _is_resumable(
    rule: StatusRule, neptune_status: str, entries: list[ErrorEntry], feeds: list[dict[str, Any]]
) -> bool:
    """Whether resubmitting with mode RESUME is expected to succeed.

    Resumable statuses are resumable by themselves; a plain LOAD_FAILED is resumable only when every
    piece of evidence (failed feed statuses, error messages) points to a transient cause.
    """
    if rule.retryable:
        return True
    if neptune_status != "LOAD_FAILED" or not (entries or feeds):
        return False
    feeds_ok = all(feed["status"] in RESUMABLE_FEED_STATUSES for feed in feeds)
    entries_ok = all(
        any(marker in entry["errorMessage"].lower() for marker in RESUMABLE_ERROR_MESSAGES)
        for entry in entries
    )
    return feeds_ok and entries_ok


def _describe(
    state: State,
    rule: StatusRule,
    progress: Progress,
    errors: ErrorSummary | None,
    wait: int | None,
) -> str:
    records = f"{progress['totalRecords']:,} records"
    total_errors = sum(progress[name] for name in ERROR_COUNTERS)  # type: ignore[literal-required]
    if state is State.IN_PROGRESS:
        if progress["totalRecords"] or progress["totalTimeSpent"]:
            return (
                f"{rule.message} {records} so far in {progress['totalTimeSpent']} s; "
                f"checking again in {wait} s."
            )
        return f"{rule.message} Checking again in {wait} s."
    if state is State.SUCCEEDED:
        if total_errors:
            return (
                f"The load completed with {records}, but Neptune skipped {total_errors:,} records "
                "with errors (failOnError was FALSE); see errors for which ones."
            )
        return f"The load completed: {records} in {progress['totalTimeSpent']} s."
    message = rule.message
    if errors and errors["sample"]:
        first = errors["sample"][0]
        where = f" in {first['fileName']}" if first["fileName"] else ""
        line = f" record {first['recordNum']}" if first["recordNum"] else ""
        message += (
            f" First error: {first['errorCode']}{where}{line}: {clip(first['errorMessage'], 200)}"
        )
    return message


def _fit(result: dict[str, Any], budget: int) -> dict[str, Any]:
    """Shrink the error sample and failed feeds until the JSON fits ``budget`` bytes.

    Without errors or failed feeds every field is capped by construction (a few KB at most), so
    the routine check skips serialising its output here.
    """
    errors: ErrorSummary | None = result.get("errors")
    if errors is None and not result["failedFeeds"]:
        return result
    while json_size(result) > budget:
        if errors is not None and errors["sample"]:
            errors["sample"] = errors["sample"][: len(errors["sample"]) // 2]
            errors["truncated"] = True
        elif result["failedFeeds"]:
            result["failedFeeds"] = result["failedFeeds"][: len(result["failedFeeds"]) // 2]
        elif errors is not None and errors["byCode"]:
            errors["byCode"] = dict(list(errors["byCode"].items())[: len(errors["byCode"]) // 2])
            errors["truncated"] = True
        else:
            break
    return result


def check_load_status(
    api: LoaderStatusApi,
    request: StatusRequest,
    policy: WaitPolicy,
    deadline: Deadline,
    *,
    max_errors_fetched: int = 100,
) -> dict[str, Any]:
    """Check the load in ``request`` and return the contract's status object (never raises for
    Neptune's errors: those become RETRY or FAILED with the reason)."""
    try:
        payload = api.get_status(request.load_id)
    except Exception as error:
        failure = classify_api_error(error)  # re-raises anything that is not an API error
        return api_failure_output(
            request.load_id, failure, policy, request.consecutive_retries, request
        )

    overall = payload.get("overallStatus")
    status = overall.get("status") if isinstance(overall, dict) else None
    if not isinstance(overall, dict) or not isinstance(status, str) or not status.strip():
        failure = ApiFailure(
            True,
            "UNREADABLE_RESPONSE",
            "Neptune's answer had no readable overallStatus.status; will check again.",
            "UNREADABLE_RESPONSE",
            None,
        )
        return api_failure_output(
            request.load_id, failure, policy, request.consecutive_retries, request
        )

    # Classified exactly as sent: a load is SUCCEEDED only if Neptune said exactly LOAD_COMPLETED;
    # any lookalike (padding, case, invisible characters) is an UNKNOWN_STATUS failure.
    status = clip(status, 100)
    rule, reason = classify(status)
    progress = read_progress(overall, payload.get("feedCount"))
    reported_errors = sum(progress[name] for name in ERROR_COUNTERS)  # type: ignore[literal-required]
    state = rule.state
    if state is State.SUCCEEDED and reported_errors:
        reason = COMPLETED_WITH_ERRORS

    errors: ErrorSummary | None = None
    feeds: list[dict[str, Any]] = []
    entries: list[ErrorEntry] = []
    details_failed = False
    if (
        state is State.FAILED
        or (reported_errors and state is State.SUCCEEDED)
        or request.include_errors
    ):
        entries, feeds, truncated, details_failed = _fetch_errors(
            api, request, deadline, max_errors_fetched, reported_errors
        )
        sample_size = request.errors_per_page if request.include_errors else 10
        errors = summarize(entries, truncated=truncated, sample_size=sample_size)
    elif reported_errors:
        # A running load that skips bad records (failOnError FALSE): the counters say so, but the
        # list is fetched once, when the load ends, so routine checks stay one cheap call.
        errors = summarize([], truncated=True)

    elapsed = float(progress["totalTimeSpent"])
    mark = advance_mark(
        request.progress_mark, feed_count=progress["feedCount"], elapsed_seconds=elapsed
    )
    wait = next_wait_seconds(
        policy,
        state=state,
        neptune_status=status,
        elapsed_seconds=elapsed,
        feed_count=progress["feedCount"],
        consecutive_retries=0,
        # Without a mark from the caller (ad hoc checks) the new mark says nothing about when the
        # current file started: let the policy estimate from the file rate alone.
        mark=mark if request.progress_mark is not None else None,
        budget=request.budget,
        checks=request.checks,
        waited_seconds=request.waited_seconds,
    )
    message = _describe(state, rule, progress, errors, wait)
    if details_failed:
        message += (
            " (Error details could not be fetched this time; check again with includeErrors.)"
        )
    result = _output(
        request.load_id,
        state,
        neptune_status=status,
        reason=reason,
        message=message,
        retryable=state is State.FAILED and _is_resumable(rule, status, entries, feeds),
        next_wait=wait,
        progress=progress,
        errors=errors,
        feeds=feeds,
        mark=mark,
    )
    return _fit(result, AD_HOC_OUTPUT_BUDGET if request.include_errors else WORKFLOW_OUTPUT_BUDGET)
