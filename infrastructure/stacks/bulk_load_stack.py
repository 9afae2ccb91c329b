"""The deployable stack: wires the Neptune access, two VPC Lambdas, the workflow and alarms.

Each construct owns its resources and acknowledges its own cdk-nag findings; this module only
turns the typed settings into construct arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from infrastructure.constructs.batch_workflow import BatchWorkflow
from infrastructure.constructs.bulk_load_workflow import BulkLoadWorkflow
from infrastructure.constructs.house_lambda import (
    HouseLambda,
    SharedFunctionProps,
    dependency_layer,
)
from infrastructure.constructs.monitoring import WorkflowAlarms
from infrastructure.constructs.neptune_access import NeptuneAccess
from infrastructure.constructs.source_access import allow_source_reads
from neptune_loader.defaults import BATCH_MAX_CYCLES

if TYPE_CHECKING:
    from constructs import Construct

    from infrastructure.settings import Settings

METRICS_NAMESPACE = "NeptuneBulkLoad"
STATUS_HANDLER = "loader_status.handler.handler"
START_HANDLER = "start_loader.handler.handler"
BATCH_HANDLER = "batch_loader.handler.handler"
# One batch-controller call sends up to 64 loads (25 s each at worst) or checks a few: it stops
# sending with 30 s left, so 120 s bounds a call.
BATCH_FUNCTION_TIMEOUT_SECONDS = 120

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
    status_function, start_function
        The two Lambda functions.
    workflow
        The state machine construct.
    alarms
        The CloudWatch alarms.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = RETENTION_BY_DAYS[settings.log_retention_days]
        # "Default" is left out of logical ids (a CDK rule), so the security group and its
        # ingress rule keep the ids they had when this stack built them itself: an update does
        # not replace them, nor the functions' network interfaces.
        access = NeptuneAccess(
            self,
            "Default",
            vpc_id=settings.vpc_id,
            subnet_ids=settings.subnet_ids,
            cluster_security_group_id=settings.neptune_security_group_id,
            port=settings.neptune_port,
            cluster_resource_id=settings.cluster_resource_id,
        )
        shared = SharedFunctionProps(
            layer=dependency_layer(self, "Dependencies"),
            vpc=access.vpc,
            subnets=access.subnets,
            security_group=access.security_group,
            metrics_namespace=METRICS_NAMESPACE,
            log_retention=retention,
        )
        common_env = {
            "NEPTUNE_ENDPOINT": settings.neptune_endpoint_url,
            "NEPTUNE_IAM_AUTH": "true" if settings.iam_auth else "false",
            "STATUS_MIN_WAIT_SECONDS": str(settings.poll.status_min_wait_seconds),
            "STATUS_MAX_WAIT_SECONDS": str(settings.poll.status_max_wait_seconds),
            "STATUS_MAX_ERRORS_FETCHED": str(settings.poll.status_max_errors_fetched),
            "STATUS_TOLERATED_RECORD_ERRORS": str(settings.poll.status_tolerated_record_errors),
            "STATUS_TOLERATED_ERRORS_PER_MILLION": str(
                settings.poll.status_tolerated_errors_per_million
            ),
        }
        status_env = dict(common_env)
        if settings.source_estimates:
            status_env["SOURCE_ESTIMATES"] = "true"
        start_env = dict(common_env)
        if settings.loader_role_arn:
            start_env["LOADER_IAM_ROLE_ARN"] = settings.loader_role_arn
        self.status_function = HouseLambda(
            self,
            "LoadStatus",
            shared=shared,
            handler=STATUS_HANDLER,
            description="Reads a Neptune bulk load's status and says what to do next",
            environment=status_env,
            service_name="neptune-load-status",
            # The handler answers within 10 s even when Neptune hangs; 15 s leaves headroom.
            timeout=Duration.seconds(15),
        ).function
        self.start_function = HouseLambda(
            self,
            "StartLoad",
            shared=shared,
            handler=START_HANDLER,
            description="Starts a Neptune bulk load",
            environment=start_env,
            service_name="neptune-load-start",
            # A look for an earlier attempt's load (<= 10 s), the start (<= 25 s) and, when its
            # answer is lost, a look for the load it may have created (<= 10 s).
            timeout=Duration.seconds(60),
        ).function
        access.allow(self.status_function, "neptune-db:GetLoaderJobStatus")
        # Listing and reading loads lets a start find the load an unanswered start created.
        access.allow(
            self.start_function,
            "neptune-db:StartLoaderJob",
            "neptune-db:ListLoaderJobs",
            "neptune-db:GetLoaderJobStatus",
        )
        if settings.source_estimates:
            allow_source_reads(self.status_function, settings.source_buckets)

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
        self.batch_function = HouseLambda(
            self,
            "BatchLoad",
            shared=shared,
            handler=BATCH_HANDLER,
            description="Sends and watches a batch of Neptune bulk loads, one cycle per call",
            environment={**start_env, "MAX_RESUBMITS": str(settings.max_resubmits)},
            service_name="neptune-load-batch",
            timeout=Duration.seconds(BATCH_FUNCTION_TIMEOUT_SECONDS),
        ).function
        # The start Lambda's grants (a start lists and reads loads to find one an unanswered
        # start created); reading statuses is also how the batch watches its loads.
        access.allow(
            self.batch_function,
            "neptune-db:StartLoaderJob",
            "neptune-db:ListLoaderJobs",
            "neptune-db:GetLoaderJobStatus",
        )
        self.batch_workflow = BatchWorkflow(
            self,
            "BatchWorkflow",
            batch_function=self.batch_function,
            # Every cycle may wait the longest wait and run one call.
            timeout=Duration.seconds(
                BATCH_MAX_CYCLES
                * (settings.poll.status_max_wait_seconds + BATCH_FUNCTION_TIMEOUT_SECONDS)
            ),
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
