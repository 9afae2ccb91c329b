"""The poll loop's limits, each rule written once for the settings and the constructs.

Three rules keep a load from ending for the wrong reason: the check bound must never end a running
load before the total-wait bound does (:func:`check_poll_bounds`), the execution's timeout must
outlast every poll run (:func:`longest_poll_run_seconds`), and an execution's worst-case history
must stay under the Step Functions limit (:func:`worst_case_history_events`). Pure Python (no
CDK), so ``infrastructure.settings`` and the command line can import it cheaply.
"""

from __future__ import annotations

from .lambda_code import lambda_defaults

# The longest wait the status Lambda's budget floor may ask for (declared in the Lambdas' defaults).
MAX_FLOOR_WAIT_SECONDS = lambda_defaults.MAX_FLOOR_WAIT_SECONDS

# The loop needs a first check, one to count, and one more for the budget floor to act on.
MIN_CHECKS = 3
MIN_CONSECUTIVE_RETRIES = 1

# Time one check can take besides its wait (the status function's 15 s timeout, with room for a
# Lambda service retry), and one start (60 s timeout, three transient retries with backoff).
CHECK_TASK_ALLOWANCE_SECONDS = 20
START_TASK_ALLOWANCE_SECONDS = 600
# A start refused because Neptune's queue of 64 loads is full is sent again after a wait of up
# to 60 s, doubling up to 900 s (full jitter), ``startQueueFullRetries`` times.
QUEUE_FULL_INTERVAL_SECONDS = 60
QUEUE_FULL_MAX_DELAY_SECONDS = 900


def queue_full_wait_seconds(retries: int) -> int:
    """The longest a start may wait for a full queue to drain over ``retries`` resubmissions."""
    return sum(
        min(QUEUE_FULL_INTERVAL_SECONDS * 2**attempt, QUEUE_FULL_MAX_DELAY_SECONDS)
        for attempt in range(retries)
    )


# Step Functions hard limit on events in one Standard execution's history.
HISTORY_EVENT_LIMIT = 25_000
# Retries of a Lambda task on Lambda service errors (the workflows' default), and of the start on
# its transient errors.
LAMBDA_RETRY_ATTEMPTS = 3
START_TRANSIENT_RETRY_ATTEMPTS = 3

# History events: a Task adds TaskStateEntered/Exited plus Scheduled, Started and
# Succeeded/Failed/TimedOut per attempt; Pass, Wait and Choice add Entered and Exited.
EVENTS_PER_SIMPLE_STATE = 2
EVENTS_PER_TASK = 2
EVENTS_PER_LAMBDA_ATTEMPT = 3
# Entering the loop, and leaving it through a describe Pass and a Fail or end state.
LOOP_FIXED_EVENTS = 3 * EVENTS_PER_SIMPLE_STATE


def checks_cover_total_wait(max_checks: int, max_total_wait: int, first_wait: int) -> bool:
    """Whether the check bound can never end a running load before the total-wait bound.

    The status Lambda's budget floor stretches waits up to `MAX_FLOOR_WAIT_SECONDS` as the checks
    run low, so the remaining checks cover the remaining time when
    ``max_total_wait - first_wait <= (max_checks - 2) * MAX_FLOOR_WAIT_SECONDS``.
    """
    return max_total_wait - first_wait <= (max_checks - 2) * MAX_FLOOR_WAIT_SECONDS


def longest_poll_run_seconds(
    max_total_wait: int, max_wait: int, max_checks: int, queue_full_retries: int = 0
) -> int:
    """Longest one poll run (a start and its loop) can take: its whole wait bound plus one last
    wait, task time on each check and on its start, and the start's waits for a full queue."""
    return (
        max_total_wait
        + max_wait
        + max_checks * CHECK_TASK_ALLOWANCE_SECONDS
        + START_TASK_ALLOWANCE_SECONDS
        + queue_full_wait_seconds(queue_full_retries)
    )


def check_poll_bounds(
    max_checks: int, max_consecutive_retries: int, total_wait: int, first_wait: int
) -> None:
    """Refuse bounds under which the check count could end a running load before the total wait.

    Raises
    ------
    ValueError
        Naming the construct's parameters (``Settings`` names the context keys itself).
    """
    if max_checks < MIN_CHECKS or max_consecutive_retries < MIN_CONSECUTIVE_RETRIES:
        raise ValueError(
            f"max_checks must be at least {MIN_CHECKS} and max_consecutive_retries at least "
            f"{MIN_CONSECUTIVE_RETRIES}"
        )
    if not checks_cover_total_wait(max_checks, total_wait, first_wait):
        raise ValueError(
            f"max_total_wait={total_wait} s cannot be reached within max_checks={max_checks} "
            f"checks of at most {MAX_FLOOR_WAIT_SECONDS} s each: the check bound could "
            "cut off a running load; raise max_checks or lower max_total_wait"
        )


def task_max_events(attempts: int) -> int:
    """Worst-case history events of one Lambda Task state run with ``attempts`` attempts."""
    return EVENTS_PER_TASK + EVENTS_PER_LAMBDA_ATTEMPT * attempts


def events_per_check(check_attempts: int) -> int:
    """Worst-case history events of one loop iteration whose check may take ``check_attempts``."""
    return (
        EVENTS_PER_SIMPLE_STATE  # Wait
        + task_max_events(check_attempts)  # status check with every retry used
        + 3 * EVENTS_PER_SIMPLE_STATE  # route on state, count, check bounds
    )


def worst_case_history_events(
    *, max_checks: int, check_attempts: int, start_attempts: int = 0, max_resubmits: int = 0
) -> int:
    """Worst-case history events of the poll loop alone, or of an execution that starts the load.

    Parameters
    ----------
    max_checks, check_attempts
        The loop's check bound, and the attempts one check may take (Lambda retries included).
    start_attempts
        0 for one run of the loop (``LoadStatusPoller``); otherwise the attempts the start task
        may take, and the result covers a whole workflow execution: started/ended events, the
        input router, and ``1 + max_resubmits`` runs of prepare Pass, start task, the loop and
        ``CanResubmit`` on the way back.
    max_resubmits
        Resubmissions after a resumable failure (with ``start_attempts`` only).
    """
    loop = LOOP_FIXED_EVENTS + max_checks * events_per_check(check_attempts)
    if start_attempts == 0:
        return loop
    run = 2 * EVENTS_PER_SIMPLE_STATE + task_max_events(start_attempts) + loop
    return 2 + EVENTS_PER_SIMPLE_STATE + (1 + max_resubmits) * run


def workflow_history_events(
    *,
    max_checks: int,
    max_resubmits: int,
    start_queue_full_retries: int,
    lambda_retry_attempts: int = LAMBDA_RETRY_ATTEMPTS,
) -> int:
    """Worst-case history events of one bulk-load workflow execution: every check and every start
    with all their retries (Lambda service errors, a transient start error, a full queue), in the
    first run and each resubmission."""
    return worst_case_history_events(
        max_checks=max_checks,
        check_attempts=1 + lambda_retry_attempts,
        start_attempts=1
        + lambda_retry_attempts
        + START_TRANSIENT_RETRY_ATTEMPTS
        + start_queue_full_retries,
        max_resubmits=max_resubmits,
    )
