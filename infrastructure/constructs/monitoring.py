"""Alarms for the workflow: failed and timed-out executions, Lambda errors and throttles.

Each alarm fires on one event in a five-minute period (a bulk load is rare and each failure
matters) and treats missing data as fine (no executions means nothing went wrong). When an SNS
topic is given, alarms notify it on ALARM and OK.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PERIOD = Duration.minutes(5)


class WorkflowAlarms(Construct):
    """CloudWatch alarms on the state machine and on each function.

    Attributes
    ----------
    alarms
        Every alarm created, keyed by a readable name (e.g. ``"ExecutionsFailed"``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        functions: Mapping[str, lambda_.IFunction],
        topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        metrics: dict[str, tuple[cloudwatch.IMetric, str]] = {
            "ExecutionsFailed": (
                state_machine.metric_failed(period=PERIOD, statistic="Sum"),
                "A bulk-load execution failed (see its Fail state's Error and Cause)",
            ),
            "ExecutionsTimedOut": (
                state_machine.metric_timed_out(period=PERIOD, statistic="Sum"),
                "A bulk-load execution hit the state machine timeout",
            ),
        }
        for name, function in functions.items():
            metrics[f"{name}Errors"] = (
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {name} function raised errors",
            )
            metrics[f"{name}Throttles"] = (
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                f"The {name} function was throttled",
            )

        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, (metric, description) in metrics.items():
            alarm = cloudwatch.Alarm(
                self,
                name,
                metric=metric,
                alarm_description=description,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            if topic is not None:
                action = cw_actions.SnsAction(topic)
                alarm.add_alarm_action(action)
                alarm.add_ok_action(action)
            self.alarms[name] = alarm
