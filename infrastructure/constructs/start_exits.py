"""Where a failed start goes: one Fail per start error, and a failed resubmission's own exit.

A failed resubmission (mode ``RESUME``) keeps the failure it was retrying in the Cause (``$.previous``,
set by ``PrepareResubmit``) with the start error beside it; a first start ends by its error, whose
Cause is the start Lambda's error JSON (issue 11, defect 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_stepfunctions as sfn

from ..contract import ERROR_INVALID_INPUT, ERROR_LOAD_FAILED, ERROR_STATUS_UNAVAILABLE
from .state_errors import (
    LAMBDA_INVALID_INPUT_ERROR,
    NEPTUNE_LOAD_QUEUE_FULL,
    NEPTUNE_REQUEST_REJECTED,
)

if TYPE_CHECKING:
    from constructs import Construct


def start_failed(scope: Construct) -> sfn.Choice:
    """Where a failed start goes: a failed resubmission keeps the failure it was retrying in
    the Cause; a first start ends by its error (the Lambda's Cause is a JSON string)."""
    # Neptune refused the request for good (e.g. no access to the source), or its queue
    # stayed full: the load failed before it existed, so the closest contract name is
    # NeptuneLoadFailed.
    start_rejected = sfn.Fail(
        scope, "StartRejected", error=ERROR_LOAD_FAILED, cause_path="$.startError.Cause"
    )
    queue_full = sfn.Fail(
        scope,
        "StartQueueFull",
        comment="Neptune's queue of 64 loads stayed full through every resubmission",
        error=ERROR_LOAD_FAILED,
        cause_path="$.startError.Cause",
    )
    collect = sfn.Pass(
        scope,
        "CollectResubmitFailure",
        parameters={"failure.$": "$.previous", "start": {"resubmitError.$": "$.startError"}},
    )
    describe = sfn.Pass(
        scope,
        "DescribeResubmitFailure",
        comment="The original failure (load id, status, reason, errors) and the start error",
        parameters={"cause.$": "States.JsonToString(States.JsonMerge($.failure, $.start, false))"},
    )
    collect.next(describe).next(
        sfn.Fail(scope, "ResubmitFailed", error=ERROR_LOAD_FAILED, cause_path="$.cause")
    )
    error = "$.startError.Error"
    return (
        sfn.Choice(scope, "StartFailed")
        .when(sfn.Condition.is_present("$.previous"), collect)
        .when(
            sfn.Condition.string_equals(error, LAMBDA_INVALID_INPUT_ERROR),
            sfn.Fail(
                scope,
                "StartInvalidInput",
                error=ERROR_INVALID_INPUT,
                cause_path="$.startError.Cause",
            ),
        )
        .when(sfn.Condition.string_equals(error, NEPTUNE_REQUEST_REJECTED), start_rejected)
        .when(sfn.Condition.string_equals(error, NEPTUNE_LOAD_QUEUE_FULL), queue_full)
        .otherwise(
            sfn.Fail(
                scope,
                "StartUnavailable",
                error=ERROR_STATUS_UNAVAILABLE,
                cause_path="$.startError.Cause",
            )
        )
    )
