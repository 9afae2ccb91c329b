"""The contract's status object: its typed shape, how it is built, and its one-sentence message."""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from neptune_loader.coerce import clip
from neptune_loader.progress import Progress, empty_progress, error_count
from neptune_loader.statuses import TERMINAL_STATES, State
from neptune_loader.wait_policy import next_wait_seconds

if TYPE_CHECKING:
    from neptune_loader.api_errors import ApiFailure
    from neptune_loader.error_summary import ErrorSummary, FailedFeed
    from neptune_loader.estimate import EstimateJson
    from neptune_loader.statuses import StatusRule
    from neptune_loader.validation import StatusRequest
    from neptune_loader.wait_policy import ProgressMark, WaitPolicy


class StatusOutput(TypedDict):
    """The status Lambda's output (docs/contract.md, "Output"): every key is always present except
    ``errors``; ``nextWaitSeconds`` is null on terminal states, ``progressMark`` when the status
    could not be read."""

    loadId: str
    state: str
    terminal: bool
    neptuneStatus: str | None
    reason: str
    message: str
    retryable: bool
    nextWaitSeconds: int | None
    progress: Progress
    failedFeeds: list[FailedFeed]
    # Additive to the contract: the loop passes it back with the next check.
    progressMark: dict[str, int | float] | None
    # Additive: expected totals, percent and time left (null when the status could not be read;
    # the loop passes it back with the next check, so the source is read once per load).
    estimate: EstimateJson | None
    errors: NotRequired[ErrorSummary]


def build_output(
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
    feeds: list[FailedFeed] | None = None,
    mark: ProgressMark | None = None,
    estimate: EstimateJson | None = None,
) -> StatusOutput:
    """Assemble the status object; the state decides ``terminal`` and which fields may be set."""
    terminal = state in TERMINAL_STATES
    result = StatusOutput(
        loadId=load_id,
        state=state.value,
        terminal=terminal,
        neptuneStatus=neptune_status,
        reason=reason,
        message=message,
        retryable=retryable if state is State.FAILED else False,
        nextWaitSeconds=None if terminal else next_wait,
        progress=progress if progress is not None else empty_progress(),
        failedFeeds=feeds or [],
        # Null when the status could not be read (the loop then keeps the mark it has).
        progressMark=mark.to_json() if mark is not None else None,
        estimate=estimate,
    )
    if errors is not None:
        result["errors"] = errors
    return result


def _no_errors() -> ErrorSummary:
    return {"sample": [], "byCode": {}, "fetched": 0, "truncated": False}


def api_failure_output(
    load_id: str,
    failure: ApiFailure,
    policy: WaitPolicy,
    *,
    consecutive_retries: int,
    request: StatusRequest | None = None,
) -> StatusOutput:
    """The status object when the status call itself failed (``request`` brings the loop's
    counters, so a RETRY wait respects the loop's check budget too)."""
    # A transient failure waits and retries; a refusal to read is UNAVAILABLE (the load may be
    # running); only an unknown load id is FAILED (with an empty error list).
    state, wait = State.FAILED, None
    errors: ErrorSummary | None = _no_errors()
    if failure.refused:
        state, errors = State.UNAVAILABLE, None
    elif failure.transient:
        state, errors = State.RETRY, None
        wait = next_wait_seconds(
            policy,
            state=state,
            neptune_status=None,
            elapsed_seconds=0,
            feed_count={},
            consecutive_retries=consecutive_retries,
            budget=request.budget if request is not None else None,
            checks=request.checks if request is not None else 0,
            waited_seconds=request.waited_seconds if request is not None else 0.0,
        )
    return build_output(
        load_id,
        state,
        neptune_status=None,
        reason=failure.reason,
        message=failure.message,
        next_wait=wait,
        errors=errors,
    )


def describe(
    state: State,
    rule: StatusRule,
    progress: Progress,
    *,
    errors: ErrorSummary | None,
    wait: int | None,
    outlook: str | None = None,
) -> str:
    """The status object's ``message``: one sentence a person can act on (``outlook``: the
    estimate's percent and time left, when known)."""
    records = f"{progress['totalRecords']:,} records"
    total_errors = error_count(progress)
    if state is State.IN_PROGRESS:
        if progress["totalRecords"] or progress["totalTimeSpent"]:
            so_far = f"{records} so far in {progress['totalTimeSpent']} s"
            if outlook:
                so_far += f" ({outlook})"
            return f"{rule.message} {so_far}; checking again in {wait} s."
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
