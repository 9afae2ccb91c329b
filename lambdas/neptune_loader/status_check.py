"""Check one load: call Neptune (cheaply while it runs, in detail when it ends badly) and build the
contract's status object. Used by the status Lambda and by the command line.

The jobs live next door: `progress` reads the payload, `error_details` fetches the evidence,
`resumability` judges it, `status_output` shapes the answer and `output_budget` fits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neptune_loader.api_errors import UNREADABLE_STATUS, classify_api_error
from neptune_loader.coerce import clip
from neptune_loader.error_details import ErrorDetails, fetch_error_details
from neptune_loader.error_summary import summarize
from neptune_loader.estimate import (
    FEEDS_ONLY_TOTALS,
    SourceTotals,
    build_estimate,
    describe_estimate,
    forecast,
)
from neptune_loader.output_budget import (
    AD_HOC_OUTPUT_BUDGET,
    WORKFLOW_OUTPUT_BUDGET,
    fit_to_budget,
)
from neptune_loader.progress import ERROR_COUNTERS, error_count, read_progress, unreadable_counters
from neptune_loader.resumability import NO_TOLERANCE, is_resumable, is_tolerated
from neptune_loader.status_output import StatusOutput, api_failure_output, build_output, describe
from neptune_loader.statuses import (
    COMPLETED_WITH_ERRORS,
    EVIDENCE_INCOMPLETE,
    FAILED_ERRORS_TOLERATED,
    UNREADABLE_COUNTERS,
    State,
    classify,
)
from neptune_loader.wait_policy import QUEUED_STATUSES, advance_mark, next_wait_seconds

if TYPE_CHECKING:
    from neptune_loader.error_summary import ErrorSummary
    from neptune_loader.estimate import SourceSampler
    from neptune_loader.neptune_client import Deadline, LoaderStatusApi
    from neptune_loader.progress import Progress
    from neptune_loader.resumability import ErrorTolerance
    from neptune_loader.statuses import StatusRule
    from neptune_loader.validation import StatusRequest
    from neptune_loader.wait_policy import WaitPolicy


def check_load_status(
    api: LoaderStatusApi,
    request: StatusRequest,
    policy: WaitPolicy,
    deadline: Deadline,
    *,
    max_errors_fetched: int = 100,
    tolerance: ErrorTolerance | None = None,
    sampler: SourceSampler | None = None,
) -> StatusOutput:
    """Check the load in ``request`` and return the contract's status object (never raises for
    Neptune's errors: those become RETRY, UNAVAILABLE or FAILED with the reason).

    A final verdict needs complete evidence: a counter that is not a number, or failed feeds and
    an error log that could not be read this time, make it RETRY (``neptuneStatus`` as read).
    ``tolerance`` is the deployment's record-error tolerance (the request's overrides it).
    ``sampler`` reads the source's expected totals when the request carries none yet (source
    estimates on), in what is left of ``deadline``.
    """
    try:
        payload = api.get_status(request.load_id)
    except Exception as error:
        failure = classify_api_error(error)  # re-raises anything that is not an API error
        return api_failure_output(
            request.load_id,
            failure,
            policy,
            consecutive_retries=request.consecutive_retries,
            request=request,
        )

    overall = payload.get("overallStatus")
    status = overall.get("status") if isinstance(overall, dict) else None
    if not isinstance(overall, dict) or not isinstance(status, str) or not status.strip():
        return api_failure_output(
            request.load_id,
            UNREADABLE_STATUS,
            policy,
            consecutive_retries=request.consecutive_retries,
            request=request,
        )

    # Classified exactly as sent: a load is SUCCEEDED only if Neptune said exactly LOAD_COMPLETED;
    # any lookalike (padding, case, invisible characters) is an UNKNOWN_STATUS failure.
    status = clip(status, 100)
    rule, reason = classify(status)
    progress = read_progress(overall, payload.get("feedCount"))
    reported_errors = error_count(progress)
    unreadable = unreadable_counters(overall)
    # An unreadable error counter is no evidence of no errors.
    record_errors = reported_errors + sum(name in ERROR_COUNTERS for name in unreadable)
    state = rule.state
    if state is State.SUCCEEDED and reported_errors:
        reason = COMPLETED_WITH_ERRORS

    errors: ErrorSummary | None = None
    details = ErrorDetails()
    if (
        state is State.FAILED
        or (reported_errors and state is State.SUCCEEDED)
        or request.include_errors
    ):
        details = fetch_error_details(
            api,
            request,
            deadline,
            max_errors=max_errors_fetched,
            reported_errors=reported_errors,
        )
        sample_size = request.errors_per_page if request.include_errors else 10
        errors = summarize(details.entries, truncated=details.truncated, sample_size=sample_size)
    elif reported_errors:
        # A running load that skips bad records (failOnError FALSE): the counters say so, but the
        # list is fetched once, when the load ends, so routine checks stay one cheap call.
        errors = summarize([], truncated=True)

    retryable = False
    incomplete = ""
    if state is State.SUCCEEDED and unreadable:
        incomplete = f"its {', '.join(unreadable)} could not be read as numbers"
    elif state is State.FAILED:
        tolerated, resumable = _judge_failure(
            rule,
            status,
            request,
            tolerance or NO_TOLERANCE,
            progress=progress,
            record_errors=record_errors,
            details=details,
        )
        if tolerated is None or (not tolerated and resumable is None):
            incomplete = "its failed feeds and error log could not be read this time"
        elif tolerated and not unreadable:
            state, reason = State.SUCCEEDED, FAILED_ERRORS_TOLERATED
        else:
            retryable = bool(resumable)

    elapsed = float(progress["totalTimeSpent"])
    totals = _source_totals(request, state, overall.get("fullUri"), sampler, deadline)
    running = state is State.IN_PROGRESS and status not in QUEUED_STATUSES
    ahead = forecast(totals, records=progress["totalRecords"], elapsed=elapsed) if running else None
    mark = advance_mark(
        request.progress_mark, feed_count=progress["feedCount"], elapsed_seconds=elapsed
    )
    if incomplete:
        state, reason = State.RETRY, UNREADABLE_COUNTERS if unreadable else EVIDENCE_INCOMPLETE
    wait = next_wait_seconds(
        policy,
        state=state,
        neptune_status=status,
        elapsed_seconds=elapsed,
        feed_count=progress["feedCount"],
        consecutive_retries=request.consecutive_retries if incomplete else 0,
        # Without a mark from the caller (ad hoc checks) the new mark says nothing about when the
        # current file started: let the policy estimate from the file rate alone.
        mark=mark if request.progress_mark is not None else None,
        budget=request.budget,
        checks=request.checks,
        waited_seconds=request.waited_seconds,
        forecast=ahead,
    )
    estimate = build_estimate(
        totals,
        state,
        records=progress["totalRecords"],
        elapsed=elapsed,
        feed_count=progress["feedCount"],
    )
    message = _message(
        state,
        rule,
        status,
        progress,
        reason=reason,
        incomplete=incomplete,
        errors=errors,
        wait=wait,
        details_failed=details.failed,
        outlook=describe_estimate(estimate),
    )
    result = build_output(
        request.load_id,
        state,
        neptune_status=status,
        reason=reason,
        message=message,
        retryable=retryable,
        next_wait=wait,
        progress=progress,
        errors=errors,
        feeds=details.feeds,
        # A RETRY keeps the loop's mark (the poller ignores it), like a failed read.
        mark=None if incomplete else mark,
        estimate=None if incomplete else estimate,
    )
    budget = AD_HOC_OUTPUT_BUDGET if request.include_errors else WORKFLOW_OUTPUT_BUDGET
    return fit_to_budget(result, budget)


def _judge_failure(
    rule: StatusRule,
    status: str,
    request: StatusRequest,
    tolerance: ErrorTolerance,
    *,
    progress: Progress,
    record_errors: int,
    details: ErrorDetails,
) -> tuple[bool | None, bool | None]:
    """Whether a failed load's errors are tolerated and whether RESUME may succeed (each None
    when the evidence not read this time could decide it)."""
    tolerated = is_tolerated(
        status,
        request.tolerance or tolerance,
        fail_on_error=request.fail_on_error,
        feed_count=progress["feedCount"],
        record_errors=record_errors,
        total_records=progress["totalRecords"],
        details=details,
    )
    resumable = is_resumable(
        rule,
        status,
        feed_count=progress["feedCount"],
        record_errors=record_errors,
        details=details,
    )
    return tolerated, resumable


def _message(
    state: State,
    rule: StatusRule,
    neptune_status: str,
    progress: Progress,
    *,
    reason: str,
    incomplete: str,
    errors: ErrorSummary | None,
    wait: int | None,
    details_failed: bool,
    outlook: str | None = None,
) -> str:
    """The status object's message, with the cases only a full check can have."""
    if incomplete:
        message = (
            f"Neptune reports {neptune_status}, but {incomplete}, and a verdict needs "
            f"them; checking again in {wait} s."
        )
    elif reason == FAILED_ERRORS_TOLERATED:
        message = (
            f"The load ended LOAD_FAILED with {error_count(progress):,} record errors in "
            f"{progress['totalRecords']:,} records, within the error tolerance (failOnError "
            "was FALSE, so Neptune skipped those records and loaded the rest); see errors."
        )
    else:
        message = describe(state, rule, progress, errors=errors, wait=wait, outlook=outlook)
    if details_failed:
        message += (
            " (Error details could not be fetched this time; check again with includeErrors.)"
        )
    return message


def _source_totals(
    request: StatusRequest,
    state: State,
    full_uri: object,
    sampler: SourceSampler | None,
    deadline: Deadline,
) -> SourceTotals:
    """The totals the loop carries, or, on the first running check without them (and with
    estimates on), the source's, read in what is left of ``deadline``: once per load, whatever
    the outcome (a check with too little time left reads nothing and leaves it to the next)."""
    carried = request.estimate
    if carried is not None and (carried.attempted or sampler is None):
        return carried
    if sampler is None or state is not State.IN_PROGRESS:
        return carried or FEEDS_ONLY_TOTALS
    if not isinstance(full_uri, str) or not full_uri:
        return SourceTotals.unavailable("Neptune reported no fullUri")
    return sampler(full_uri, seconds=deadline.remaining(), load_format=request.load_format)
