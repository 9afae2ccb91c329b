"""A workflow's Standard state machine: X-Ray tracing, every event logged with its execution data
to a log group of its own, and the role's cdk-nag findings acknowledged (shared by the single-load
and the batch workflow constructs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import CfnElement, Duration, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from .nag import acknowledge

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from constructs import Construct


def logged_state_machine(
    scope: Construct,
    *,
    start: sfn.IChainable,
    comment: str,
    timeout: Duration,
    log_retention: logs.RetentionDays,
    invoked: tuple[lambda_.IFunction, ...],
    invoked_reason: str,
) -> tuple[sfn.StateMachine, logs.LogGroup]:
    """The state machine (``scope``/StateMachine) from ``start`` and its log group
    (``scope``/ExecutionLogs). ``invoked`` are the functions its LambdaInvoke tasks call;
    ``invoked_reason`` ends the acknowledgement of their version wildcards."""
    log_group = logs.LogGroup(
        scope, "ExecutionLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
    )
    state_machine = sfn.StateMachine(
        scope,
        "StateMachine",
        comment=comment,
        definition_body=sfn.DefinitionBody.from_chainable(start),
        state_machine_type=sfn.StateMachineType.STANDARD,
        timeout=timeout,
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
        ),
    )
    stack = Stack.of(scope)
    for function in invoked:
        function_resource = function.node.default_child
        assert isinstance(function_resource, CfnElement)  # a function of this app
        logical_id = stack.resolve(stack.get_logical_id(function_resource))
        acknowledge(
            state_machine.role,
            id=f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
            reason="LambdaInvoke grants the function and its versions/aliases; the role can "
            f"invoke only {invoked_reason}",
        )
    acknowledge(
        state_machine.role,
        id="AwsSolutions-IAM5[Resource::*]",
        reason="X-Ray tracing and CloudWatch Logs delivery actions support no resource scoping",
    )
    return state_machine, log_group
