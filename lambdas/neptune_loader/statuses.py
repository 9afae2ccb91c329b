"""Every documented Neptune loader status and what it means for a poller: the one table in code,
with the contract's other fixed ``reason`` names.

Source: "Neptune Loader Error and Feed Messages" (loader-message.html), 15 codes. Anything not in
the table is `FAILED` / `UNKNOWN_STATUS`: never success, never "keep polling".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class State(StrEnum):
    """The normalized states of the contract."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    RETRY = "RETRY"
    # The status cannot be read and checking again will not help (access denied, invalid
    # signature...): terminal, but never a failed load.
    UNAVAILABLE = "UNAVAILABLE"


# States after which the loop stops checking.
TERMINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.UNAVAILABLE})


@dataclass(frozen=True)
class StatusRule:
    """How one Neptune status maps onto the contract."""

    state: State
    retryable: bool
    message: str


_RESUME = "resubmit the same request with mode RESUME (or AUTO) to retry only the failed files"

STATUS_TABLE: MappingProxyType[str, StatusRule] = MappingProxyType(
    {
        "LOAD_NOT_STARTED": StatusRule(
            State.IN_PROGRESS, False, "The load is recorded but has not started yet."
        ),
        "LOAD_IN_QUEUE": StatusRule(
            State.IN_PROGRESS,
            False,
            "The load is queued behind other loads and will start when they finish.",
        ),
        "LOAD_IN_PROGRESS": StatusRule(State.IN_PROGRESS, False, "The load is running."),
        "LOAD_COMPLETED": StatusRule(State.SUCCEEDED, False, "The load completed."),
        "LOAD_COMMITTED_W_WRITE_CONFLICTS": StatusRule(
            State.FAILED,
            True,
            f"Data was committed but some write conflicts stayed unresolved; {_RESUME}.",
        ),
        "LOAD_CANCELLED_BY_USER": StatusRule(
            State.FAILED,
            False,
            "Someone cancelled the load (DELETE /loader); start it again if needed.",
        ),
        "LOAD_CANCELLED_DUE_TO_ERRORS": StatusRule(
            State.FAILED,
            False,
            "Neptune cancelled the load because of errors; fix the data shown in errors and reload.",
        ),
        "LOAD_UNEXPECTED_ERROR": StatusRule(
            State.FAILED,
            False,
            "The load failed with an unexpected Neptune error; check the errors, then retry or contact AWS Support.",
        ),
        "LOAD_FAILED": StatusRule(
            State.FAILED, False, "The load failed; the errors below say which records and why."
        ),
        "LOAD_S3_READ_ERROR": StatusRule(
            State.FAILED,
            True,
            f"A feed could not be read from S3 (intermittent connectivity); {_RESUME}.",
        ),
        "LOAD_S3_ACCESS_DENIED_ERROR": StatusRule(
            State.FAILED,
            False,
            "Neptune was denied access to the S3 source; check the loader role and bucket policy.",
        ),
        "LOAD_DATA_DEADLOCK": StatusRule(
            State.FAILED,
            True,
            f"The load was rolled back after a deadlock; lower parallelism and {_RESUME}.",
        ),
        "LOAD_DATA_FAILED_DUE_TO_FEED_MODIFIED_OR_DELETED": StatusRule(
            State.FAILED,
            False,
            "A source file was changed or deleted while loading; restore it and load again.",
        ),
        "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED": StatusRule(
            State.FAILED,
            False,
            "The load did not run because a load it depends on failed; fix that load first.",
        ),
        "LOAD_FAILED_INVALID_REQUEST": StatusRule(
            State.FAILED,
            False,
            "Neptune rejected the load request (missing source, bad format or parameters); fix the request.",
        ),
    }
)

UNKNOWN_STATUS = "UNKNOWN_STATUS"
COMPLETED_WITH_ERRORS = "LOAD_COMPLETED_WITH_ERRORS"
# A LOAD_FAILED whose failed feeds failed only on record errors within the user's tolerance.
FAILED_ERRORS_TOLERATED = "LOAD_FAILED_ERRORS_TOLERATED"
# RETRY with the status read: the evidence that decides the verdict could not be read this time.
EVIDENCE_INCOMPLETE = "EVIDENCE_INCOMPLETE"
# RETRY with the status read: a counter was present but not a readable number.
UNREADABLE_COUNTERS = "UNREADABLE_COUNTERS"

# ``reason`` values of a status call that failed, with a fixed name (neptune_loader.api_errors
# classifies the failures; an error answer's own code is passed on in UPPER_SNAKE_CASE). Here, not
# there, because that module needs botocore and the CDK package reads this one by path.
LOAD_ID_NOT_FOUND = "LOAD_ID_NOT_FOUND"
CONNECTION_ERROR = "CONNECTION_ERROR"
UNREADABLE_RESPONSE = "UNREADABLE_RESPONSE"
NO_CREDENTIALS = "NO_CREDENTIALS"
REQUEST_NOT_SENT = "REQUEST_NOT_SENT"
ACCESS_DENIED = "ACCESS_DENIED"
UNKNOWN_API_ERROR = "UNKNOWN_API_ERROR"
CALL_FAILURE_REASONS = (
    LOAD_ID_NOT_FOUND,
    CONNECTION_ERROR,
    UNREADABLE_RESPONSE,
    NO_CREDENTIALS,
    REQUEST_NOT_SENT,
    ACCESS_DENIED,
    UNKNOWN_API_ERROR,
)

# Feed statuses and error messages after which a RESUME of the same request is expected to succeed.
RESUMABLE_FEED_STATUSES = frozenset(
    status for status, rule in STATUS_TABLE.items() if rule.state is State.FAILED and rule.retryable
)
# Feed statuses that say nothing about why a load failed: finished well, not finished yet, or
# stopped because another feed failed.
BYSTANDER_FEED_STATUSES = frozenset(
    {
        "LOAD_COMPLETED",
        "LOAD_NOT_STARTED",
        "LOAD_IN_QUEUE",
        "LOAD_IN_PROGRESS",
        "LOAD_CANCELLED_DUE_TO_ERRORS",
    }
)
RESUMABLE_ERROR_MESSAGES = ("data prefetch task interrupted",)


def classify(neptune_status: str) -> tuple[StatusRule, str]:
    """Return the rule for ``neptune_status`` and the contract's ``reason``.

    Unknown statuses get a FAILED rule with reason ``UNKNOWN_STATUS``: a status this code has never
    seen is reported loudly, never treated as success or as still running.
    """
    rule = STATUS_TABLE.get(neptune_status)
    if rule is None:
        return (
            StatusRule(
                State.FAILED,
                False,
                f"Neptune reported a status this tool does not know ({neptune_status[:100]!r}); "
                "check the load by hand before relying on it.",
            ),
            UNKNOWN_STATUS,
        )
    return rule, neptune_status
