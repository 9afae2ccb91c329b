"""The contract's names as constants: Fail errors, status ``state`` values and ``reason`` values.

What a user's own states match on (``docs/contract.md`` describes each). The Fail errors are
defined here; the states and the reasons that come from Neptune's load status are read from the
Lambda code that emits them (``lambdas/neptune_loader/statuses.py``), so there is one home for
each. No CDK import.
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

# The status object's ``state``: IN_PROGRESS, SUCCEEDED, FAILED, RETRY (a str enum).
State = lambda_statuses.State
STATES = tuple(state.value for state in State)

# ``reason`` values from Neptune's load status: each documented status, a completed load that
# skipped records, and a status this code does not know.
NEPTUNE_STATUS_REASONS = (
    *lambda_statuses.STATUS_TABLE,
    lambda_statuses.COMPLETED_WITH_ERRORS,
    lambda_statuses.UNKNOWN_STATUS,
)
# ``reason`` values of a status call that failed, with a fixed name (others carry Neptune's error
# code or ``HTTP_<status>``, see docs/contract.md). The errors module
# (lambdas/neptune_loader/api_errors.py) needs botocore, so it cannot be read here; a test pins
# these names to what it emits.
LOAD_ID_NOT_FOUND = "LOAD_ID_NOT_FOUND"
CONNECTION_ERROR = "CONNECTION_ERROR"
UNREADABLE_RESPONSE = "UNREADABLE_RESPONSE"
# Not yet in the contract's naming style (docs/contract.md names it NO_CREDENTIALS).
NO_CREDENTIALS = "NoCredentialsError"
CALL_FAILURE_REASONS = (LOAD_ID_NOT_FOUND, CONNECTION_ERROR, UNREADABLE_RESPONSE, NO_CREDENTIALS)

REASONS = (*NEPTUNE_STATUS_REASONS, *CALL_FAILURE_REASONS)
