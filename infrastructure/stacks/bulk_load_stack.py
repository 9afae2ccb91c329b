"""The deployable stack: wires the Neptune access, three VPC Lambdas, the two workflows and alarms.

Each construct owns its resources and acknowledges its own cdk-nag findings; this module only
turns the typed settings into construct arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from ..constructs.batch_workflow import BatchWorkflow
from ..constructs.bulk_load_workflow import BulkLoadWorkflow
from ..constructs.house_lambda import dependency_layer
from ..constructs.monitoring import WorkflowAlarms
from ..constructs.neptune_functions import (
    NeptuneBatchFunction,
    NeptuneClusterRef,
    NeptuneStartFunction,
    NeptuneStatusFunction,
)

if TYPE_CHECKING:
    from constructs import Construct

    from ..settings import Settings

# CloudWatch Logs retention periods (days) -> CDK enum; keys match setting_declarations.LOG_RETENTION.
RETENTION_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
}


class BulkLoadStack(Stack):
    """Run and watch Neptune bulk loads from Step Functions.

    Attributes
    ----------
    status_function, start_function, batch_function
        The Lambda functions.
    workflow, batch_workflow
        The single-load and batch state machine constructs.
    alarms, batch_alarms
        The CloudWatch alarms of each.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = RETENTION_BY_DAYS[settings.log_retention_days]
        # "Default" is left out of logical ids (a CDK rule), so the security group and its
        # ingress rule keep the ids they had when this stack built them itself: an update does
        # not replace them, nor the functions' network interfaces.
        cluster = NeptuneClusterRef.from_settings(self, "Default", settings)
        # The layer `make` prebuilt (offline synth); a user's app may let pip bundle one instead.
        layer = dependency_layer(self, "Dependencies")
        self.status_function = NeptuneStatusFunction(
            self,
            "LoadStatus",
            cluster=cluster,
            poll=settings.poll,
            source_buckets=settings.source_buckets if settings.source_estimates else None,
            layer=layer,
            log_retention=retention,
        ).function
        self.start_function = NeptuneStartFunction(
            self,
            "StartLoad",
            cluster=cluster,
            loader_role_arn=settings.loader_role_arn,
            poll=settings.poll,
            layer=layer,
            log_retention=retention,
        ).function

        self.workflow = BulkLoadWorkflow(
            self,
            "Workflow",
            start_function=self.start_function,
            status_function=self.status_function,
            poll=settings.poll,
            max_resubmits=settings.max_resubmits,
            start_queue_full_retries=settings.start_queue_full_retries,
            timeout=Duration.seconds(settings.workflow_timeout_seconds),
            log_retention=retention,
        )
        # The start function's grants and settings: the batch starts through the same start code
        # (list, adopt, never twice) and watches its loads by reading their status.
        self.batch_function = NeptuneBatchFunction(
            self,
            "BatchLoad",
            cluster=cluster,
            loader_role_arn=settings.loader_role_arn,
            max_resubmits=settings.max_resubmits,
            poll=settings.poll,
            layer=layer,
            log_retention=retention,
        ).function
        self.batch_workflow = BatchWorkflow(
            self,
            "BatchWorkflow",
            batch_function=self.batch_function,
            poll=settings.poll,  # the timeout outlasts every cycle's longest wait and call
            log_retention=retention,
        )
        topic = (
            sns.Topic.from_topic_arn(self, "AlarmTopic", settings.alarm_topic_arn)
            if settings.alarm_topic_arn
            else None
        )
        self.alarms = WorkflowAlarms(
            self,
            "Alarms",
            state_machine=self.workflow.state_machine,
            functions={"LoadStatus": self.status_function, "StartLoad": self.start_function},
            topic=topic,
        )
        self.batch_alarms = WorkflowAlarms(
            self,
            "BatchAlarms",
            state_machine=self.batch_workflow.state_machine,
            functions={"BatchLoad": self.batch_function},
            topic=topic,
        )

        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(
            self, "BatchStateMachineArn", value=self.batch_workflow.state_machine.state_machine_arn
        )
        CfnOutput(self, "StatusFunctionName", value=self.status_function.function_name)
        CfnOutput(self, "StartFunctionName", value=self.start_function.function_name)
