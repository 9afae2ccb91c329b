"""The contract's names as constants: Fail errors, status ``state`` values and ``reason`` values.

What a user's own states match on (``docs/contract.md`` describes each). The Fail errors are
defined here; the states and the reasons (those from Neptune's load status and the fixed names of
a failed status call) are read from the Lambda code (``lambdas/neptune_loader/statuses.py``), so
there is one home for each. No CDK import.
"""

from __future__ import annotations

from .lambda_code import lambda_statuses

# The Fail states' ``Error`` names (the workflow and the wait-and-check loop end in these).
ERROR_LOAD_FAILED = "NeptuneLoadFailed"
ERROR_LOAD_TIMED_OUT = "NeptuneLoadTimedOut"
ERROR_STATUS_UNAVAILABLE = "NeptuneStatusUnavailable"
ERROR_INVALID_INPUT = "InvalidInput"
FAIL_ERRORS = (
    ERROR_LOAD_FAILED,
    ERROR_LOAD_TIMED_OUT,
    ERROR_STATUS_UNAVAILABLE,
    ERROR_INVALID_INPUT,
)
# The batch state machine's Fail errors (docs/contract.md, "Batch state machine"): a failed batch
# or a failed controller, and an invalid batch.
ERROR_BATCH_FAILED = "NeptuneBatchFailed"
BATCH_FAIL_ERRORS = (ERROR_BATCH_FAILED, ERROR_INVALID_INPUT)

# The status object's ``state`` (a str enum): IN_PROGRESS, SUCCEEDED, FAILED, RETRY, UNAVAILABLE.
State = lambda_statuses.State
STATES = tuple(state.value for state in State)

# ``reason`` values from Neptune's load status: each documented status, and the verdicts the
# status check adds (skipped records, tolerated record errors, evidence not read, unknown status).
NEPTUNE_STATUS_REASONS = (
    *lambda_statuses.STATUS_TABLE,
    lambda_statuses.COMPLETED_WITH_ERRORS,
    lambda_statuses.FAILED_ERRORS_TOLERATED,
    lambda_statuses.EVIDENCE_INCOMPLETE,
    lambda_statuses.UNREADABLE_COUNTERS,
    lambda_statuses.UNKNOWN_STATUS,
)
# ``reason`` values of a status call that failed, with a fixed name (an error answer's code is
# passed on in UPPER_SNAKE_CASE, see docs/contract.md); declared beside the status table because
# the errors module that emits them (lambdas/neptune_loader/api_errors.py) needs botocore.
LOAD_ID_NOT_FOUND = lambda_statuses.LOAD_ID_NOT_FOUND
CONNECTION_ERROR = lambda_statuses.CONNECTION_ERROR
UNREADABLE_RESPONSE = lambda_statuses.UNREADABLE_RESPONSE
NO_CREDENTIALS = lambda_statuses.NO_CREDENTIALS
REQUEST_NOT_SENT = lambda_statuses.REQUEST_NOT_SENT
ACCESS_DENIED = lambda_statuses.ACCESS_DENIED
UNKNOWN_API_ERROR = lambda_statuses.UNKNOWN_API_ERROR
CALL_FAILURE_REASONS = lambda_statuses.CALL_FAILURE_REASONS

REASONS = (*NEPTUNE_STATUS_REASONS, *CALL_FAILURE_REASONS)
