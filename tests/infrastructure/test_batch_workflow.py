"""The batch workflow construct: its shape and its synth-time history bound."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from infrastructure.constructs import batch_workflow
from infrastructure.constructs.batch_workflow import BatchWorkflow
from infrastructure.poll_limits import HISTORY_EVENT_LIMIT


def _workflow() -> BatchWorkflow:
    stack = Stack(App(), "Test")
    function = lambda_.Function(
        stack,
        "Controller",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    return BatchWorkflow(
        stack,
        "Batch",
        batch_function=function,
        timeout=Duration.days(30),
        log_retention=logs.RetentionDays.ONE_WEEK,
    )


def test_the_controllers_cycle_bound_keeps_the_history_under_the_limit() -> None:
    workflow = _workflow()
    assert workflow.max_history_events <= HISTORY_EVENT_LIMIT


def test_a_controller_cycle_bound_past_the_history_limit_is_refused_at_synth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bound is the controller's own (neptune_loader.defaults), read by the construct
    monkeypatch.setattr(batch_workflow, "BATCH_MAX_CYCLES", 1200)
    with pytest.raises(ValueError, match="over the Step Functions limit of 25000"):
        _workflow()
