"""The exit codes of ``python -m loadctl``, one per outcome a script may act on."""

from __future__ import annotations

# Exit codes of `watch` (and `demo`), one per workflow outcome.
EXIT_SUCCEEDED = 0
EXIT_LOAD_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMED_OUT = 3
EXIT_STATUS_UNAVAILABLE = 4
EXIT_INVALID_INPUT = 5
# Exit codes of `start` when Neptune does not accept the request, one per start-Lambda error.
EXIT_START_REJECTED = 6  # NeptuneRequestRejected: fix the request or the cluster, then start again
EXIT_START_TRANSIENT = 7  # NeptuneTransientError: nothing started; safe to try again later
EXIT_START_OUTCOME_UNKNOWN = 8  # NeptuneStartOutcomeUnknown: list the loads before trying again

# How the poll loop ended (neptune_loader.poll_loop.Ending) -> the exit code of `watch`.
WATCH_EXIT_CODES = {
    "SUCCEEDED": EXIT_SUCCEEDED,
    "FAILED": EXIT_LOAD_FAILED,
    "TIMED_OUT": EXIT_TIMED_OUT,
    "UNAVAILABLE": EXIT_STATUS_UNAVAILABLE,
}


# The Lambdas' deliberate errors (lambdas/neptune_loader/exceptions.py), shown as one line.
ERROR_EXIT_CODES = {
    "InvalidInputError": EXIT_INVALID_INPUT,
    "ConfigurationError": EXIT_USAGE,
    "NeptuneRequestRejected": EXIT_START_REJECTED,
    "NeptuneTransientError": EXIT_START_TRANSIENT,
    "NeptuneLoadQueueFull": EXIT_START_TRANSIENT,  # nothing started: try again when the queue drains
    "NeptuneStartOutcomeUnknown": EXIT_START_OUTCOME_UNKNOWN,
}
