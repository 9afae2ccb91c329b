"""The deployable stack: two VPC Lambdas, the workflow, alarms, and their least-privilege wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Acknowledgment,
    Annotations,
    ArnFormat,
    CfnElement,
    CfnOutput,
    Duration,
    Fn,
    Stack,
    Validations,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from infrastructure.constructs.bulk_load_workflow import BulkLoadWorkflow
from infrastructure.constructs.house_lambda import HouseLambda, dependency_layer
from infrastructure.constructs.monitoring import WorkflowAlarms

if TYPE_CHECKING:
    from constructs import Construct, IConstruct

    from infrastructure.settings import Settings

METRICS_NAMESPACE = "NeptuneBulkLoad"
STATUS_HANDLER = "loader_status.handler.handler"
START_HANDLER = "start_loader.handler.handler"

# CloudWatch Logs retention periods (days) -> CDK enum; keys match settings.LOG_RETENTION_DAYS.
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


def _acknowledge(scope: IConstruct, *, id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` (the narrowest construct that causes it)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=id, reason=reason))


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

        # Imported by id, never looked up: synth stays offline and deterministic. The functions
        # name their subnets explicitly, so the VPC object needs no subnet or AZ inventory.
        vpc = ec2.Vpc.from_vpc_attributes(
            self, "Vpc", vpc_id=settings.vpc_id, availability_zones=Fn.get_azs()
        )
        Annotations.of(vpc).acknowledge_warning(
            "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
            "Nothing here selects subnets through the VPC object",
        )
        subnets = []
        for index, subnet_id in enumerate(settings.subnet_ids, start=1):
            subnet = ec2.Subnet.from_subnet_id(self, f"Subnet{index}", subnet_id)
            Annotations.of(subnet).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "Only the subnet id is used (Lambda VpcConfig); routes are not managed here",
            )
            subnets.append(subnet)
        neptune_sg = ec2.SecurityGroup.from_security_group_id(
            self, "NeptuneSecurityGroup", settings.neptune_security_group_id
        )
        lambda_sg = ec2.SecurityGroup(
            self,
            "LambdaSecurityGroup",
            vpc=vpc,
            description="Bulk-load Lambdas: egress only to the Neptune port",
            allow_all_outbound=False,
        )
        neptune_port = ec2.Port.tcp(settings.neptune_port)
        # Inline egress (the group's only outbound rule, so CloudFormation adds no allow-all),
        # and the matching ingress on the cluster's group so the port is reachable.
        lambda_sg.add_egress_rule(
            ec2.Peer.security_group_id(settings.neptune_security_group_id),
            neptune_port,
            "Neptune loader API",
        )
        neptune_sg.add_ingress_rule(
            ec2.Peer.security_group_id(lambda_sg.security_group_id),
            neptune_port,
            "Neptune loader API from the bulk-load Lambdas",
        )

        layer = dependency_layer(self, "Dependencies")
        common_env = {
            "NEPTUNE_ENDPOINT": settings.neptune_endpoint_url,
            "NEPTUNE_IAM_AUTH": "true" if settings.iam_auth else "false",
            "STATUS_MIN_WAIT_SECONDS": str(settings.poll.status_min_wait_seconds),
            "STATUS_MAX_WAIT_SECONDS": str(settings.poll.status_max_wait_seconds),
            "STATUS_MAX_ERRORS_FETCHED": str(settings.poll.status_max_errors_fetched),
        }
        start_env = dict(common_env)
        if settings.loader_role_arn:
            start_env["LOADER_IAM_ROLE_ARN"] = settings.loader_role_arn
        placement: dict[str, Any] = {
            "layer": layer,
            "vpc": vpc,
            "subnets": subnets,
            "security_group": lambda_sg,
            "metrics_namespace": METRICS_NAMESPACE,
            "log_retention": retention,
        }
        status = HouseLambda(
            self,
            "LoadStatus",
            handler=STATUS_HANDLER,
            description="Reads a Neptune bulk load's status and says what to do next",
            environment=common_env,
            service_name="neptune-load-status",
            # The handler answers within 10 s even when Neptune hangs; 15 s leaves headroom.
            timeout=Duration.seconds(15),
            **placement,
        )
        start = HouseLambda(
            self,
            "StartLoad",
            handler=START_HANDLER,
            description="Starts a Neptune bulk load",
            environment=start_env,
            service_name="neptune-load-start",
            timeout=Duration.seconds(30),
            **placement,
        )
        self.status_function = status.function
        self.start_function = start.function

        cluster_arn = self.format_arn(
            service="neptune-db",
            resource=settings.cluster_resource_id,
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        for function, action in (
            (self.status_function, "neptune-db:GetLoaderJobStatus"),
            (self.start_function, "neptune-db:StartLoaderJob"),
        ):
            function.add_to_role_policy(
                iam.PolicyStatement(actions=[action], resources=[cluster_arn])
            )

        self.workflow = BulkLoadWorkflow(
            self,
            "Workflow",
            start_function=self.start_function,
            status_function=self.status_function,
            poll=settings.poll,
            max_resubmits=settings.max_resubmits,
            timeout=Duration.seconds(settings.workflow_timeout_seconds),
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

        self._acknowledge_nag_findings(status, start, settings)

        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(self, "StatusFunctionName", value=self.status_function.function_name)
        CfnOutput(self, "StartFunctionName", value=self.start_function.function_name)

    def _acknowledge_nag_findings(
        self, status: HouseLambda, start: HouseLambda, settings: Settings
    ) -> None:
        """Acknowledge each remaining cdk-nag finding on the construct that causes it."""
        for house in (status, start):
            _acknowledge(
                house.function,
                id="AwsSolutions-L1",
                reason="The dependency layer is built for python3.13 (Makefile LAMBDA_PYTHON); "
                "move runtime and layer together",
            )
            role = house.function.role
            assert role is not None  # the Function construct always creates one here
            _acknowledge(
                role,
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "service-role/AWSLambdaBasicExecutionRole]",
                reason="Lambda's standard policy to write its own logs",
            )
            _acknowledge(
                role,
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "service-role/AWSLambdaVPCAccessExecutionRole]",
                reason="Lambda's standard policy to manage the ENIs of a VPC function; ENI ids "
                "are not known in advance",
            )
            _acknowledge(
                role,
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource scoping",
            )
            _acknowledge(
                role,
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:neptune-db:<AWS::Region>:"
                f"<AWS::AccountId>:{settings.cluster_resource_id}/*]",
                reason="Neptune data-plane actions are scoped to a cluster as "
                "cluster-resource-id/*; this is the narrowest resource IAM offers",
            )
        machine_role = self.workflow.state_machine.role
        for house in (status, start):
            function_resource = house.function.node.default_child
            assert isinstance(function_resource, CfnElement)
            logical_id = self.resolve(self.get_logical_id(function_resource))
            _acknowledge(
                machine_role,
                id=f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
                reason="LambdaInvoke grants the function and its versions/aliases; the role can "
                "invoke only this workflow's two functions",
            )
        _acknowledge(
            machine_role,
            id="AwsSolutions-IAM5[Resource::*]",
            reason="X-Ray tracing and CloudWatch Logs delivery actions support no resource scoping",
        )
