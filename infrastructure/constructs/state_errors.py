"""Error names the workflow's states catch, and how Lambda service errors are retried.

The Lambda error names are the exception class names the Lambdas raise
(``lambdas/neptune_loader/exceptions.py``). The Fail errors the states raise are the contract's,
defined in :mod:`infrastructure.contract` with the states and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

from ..poll_limits import LAMBDA_RETRY_ATTEMPTS

# The exception class name the Lambdas raise for bad input (the Lambda error name).
LAMBDA_INVALID_INPUT_ERROR = "InvalidInputError"
# Error names the start Lambda raises (its exception class names).
NEPTUNE_TRANSIENT_ERROR = "NeptuneTransientError"
NEPTUNE_REQUEST_REJECTED = "NeptuneRequestRejected"
NEPTUNE_LOAD_QUEUE_FULL = "NeptuneLoadQueueFull"

# Transient errors of the Lambda service itself; retried with backoff. Function errors are not:
# the status Lambda already retries Neptune calls inside its own 10-second budget.
LAMBDA_SERVICE_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
)


@dataclass(frozen=True, kw_only=True)
class LambdaRetryPolicy:
    """Backoff with full jitter for Lambda service errors."""

    interval_seconds: int = 2
    max_attempts: int = LAMBDA_RETRY_ATTEMPTS
    backoff_rate: float = 2.0
    max_delay_seconds: int = 30

    def apply(self, task: sfn.TaskStateBase, errors: tuple[str, ...]) -> None:
        """Add this policy as one retrier for ``errors`` on ``task``."""
        task.add_retry(
            errors=list(errors),
            interval=Duration.seconds(self.interval_seconds),
            max_attempts=self.max_attempts,
            backoff_rate=self.backoff_rate,
            max_delay=Duration.seconds(self.max_delay_seconds),
            jitter_strategy=sfn.JitterType.FULL,
        )
