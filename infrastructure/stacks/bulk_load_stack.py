"""The deployable stack: wires the Neptune access, three Lambdas, the two workflows, alarms and
a dashboard.

Each construct owns its resources and acknowledges its own cdk-nag findings; this module only
turns the typed settings of one deployment into construct arguments, plus what applies to the
whole stack: tags, the KMS key of every log group, the state machine's name and the outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Aws, CfnOutput, CfnRule, CfnRuleAssertion, Duration, Fn, Stack, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn

from ..constructs.batch_workflow import BatchWorkflow
from ..constructs.bulk_load_workflow import BulkLoadWorkflow
from ..constructs.house_lambda import dependency_layer
from ..constructs.monitoring import WorkflowAlarms, WorkflowDashboard
from ..constructs.nag import acknowledge
from ..constructs.neptune_functions import (
    STATUS_SERVICE_NAME,
    NeptuneBatchFunction,
    NeptuneClusterRef,
    NeptuneStartFunction,
    NeptuneStatusFunction,
)
from ..settings import endpoint_region

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
    alarm_topic
        The topic the alarms notify (yours, one the stack created, or None).
    dashboard
        The CloudWatch dashboard.
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
            s3_prefix_list_id=settings.source_prefix_list_id,
            layer=layer,
            log_retention=retention,
            # The stack's name: deployments in one account and region keep their metrics apart.
            metrics_namespace=self.stack_name,
        ).function
        self.start_function = NeptuneStartFunction(
            self,
            "StartLoad",
            cluster=cluster,
            loader_role_arn=settings.loader_role_arn,
            poll=settings.poll,
            layer=layer,
            log_retention=retention,
            metrics_namespace=self.stack_name,
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
        if settings.state_machine_name:
            cfn_state_machine = self.workflow.state_machine.node.default_child
            assert isinstance(cfn_state_machine, sfn.CfnStateMachine)
            cfn_state_machine.state_machine_name = settings.state_machine_name
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
            metrics_namespace=self.stack_name,
        ).function
        self.batch_workflow = BatchWorkflow(
            self,
            "BatchWorkflow",
            batch_function=self.batch_function,
            poll=settings.poll,  # the timeout outlasts every cycle's longest wait and call
            log_retention=retention,
        )
        functions = {"LoadStatus": self.status_function, "StartLoad": self.start_function}
        self.alarm_topic = self._alarm_topic(settings)
        self.alarms = WorkflowAlarms(
            self,
            "Alarms",
            state_machine=self.workflow.state_machine,
            functions=functions,
            topic=self.alarm_topic,
        )
        self.batch_alarms = WorkflowAlarms(
            self,
            "BatchAlarms",
            state_machine=self.batch_workflow.state_machine,
            functions={"BatchLoad": self.batch_function},
            topic=self.alarm_topic,
        )
        self.dashboard = WorkflowDashboard(
            self,
            "Dashboard",
            state_machine=self.workflow.state_machine,
            functions={**functions, "BatchLoad": self.batch_function},
            metrics_namespace=self.stack_name,
            status_service_name=STATUS_SERVICE_NAME,
        )
        self._check_region_at_deploy(settings)
        if settings.kms_key_arn:
            self._encrypt_log_groups(settings.kms_key_arn)
        for key, value in settings.tags:
            Tags.of(self).add(key, value)

        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(
            self, "BatchStateMachineArn", value=self.batch_workflow.state_machine.state_machine_arn
        )
        CfnOutput(self, "StatusFunctionName", value=self.status_function.function_name)
        CfnOutput(self, "StartFunctionName", value=self.start_function.function_name)
        CfnOutput(self, "DashboardUrl", value=self.dashboard.url)
        if settings.create_alarm_topic and self.alarm_topic is not None:
            CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)

    def _alarm_topic(self, settings: Settings) -> sns.ITopic | None:
        """Your topic, or one this stack creates (TLS only, with the KMS key when given)."""
        if settings.alarm_topic_arn:
            return sns.Topic.from_topic_arn(self, "AlarmTopic", settings.alarm_topic_arn)
        if not settings.create_alarm_topic:
            return None
        key = (
            kms.Key.from_key_arn(self, "AlarmTopicKey", settings.kms_key_arn)
            if settings.kms_key_arn
            else None
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="Neptune bulk-load alarms",
            master_key=key,
            enforce_ssl=True,
        )
        if key is None:
            acknowledge(
                topic,
                id="AwsSolutions-SNS2",
                reason="No kmsKeyArn set; CloudWatch alarms cannot publish to a topic encrypted "
                "with the AWS managed SNS key, so set kmsKeyArn to a key of your own",
            )
        return topic

    def _check_region_at_deploy(self, settings: Settings) -> None:
        """A region-agnostic stack refuses, at deploy time, a region other than the cluster's
        (synth checked it already when the region was known)."""
        cluster_region = endpoint_region(settings.neptune_endpoint)
        if cluster_region is None or settings.region is not None:
            return
        CfnRule(
            self,
            "ClusterRegion",
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_equals(Aws.REGION, cluster_region),
                    assert_description=f"The Neptune cluster is in {cluster_region}: deploy this "
                    "stack there (its functions and IAM grant are for that region)",
                )
            ],
        )

    def _encrypt_log_groups(self, key_arn: str) -> None:
        """Every log group of the stack (the functions' and the state machines') uses the key."""
        for child in self.node.find_all():
            if isinstance(child, logs.CfnLogGroup):
                child.kms_key_id = key_arn
