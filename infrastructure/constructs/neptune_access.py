"""The functions' way to one Neptune cluster, and nowhere else: network and IAM.

The cluster's VPC, subnets and security group are imported by id, never looked up, so synth stays
offline and deterministic. The functions get a security group whose only rule is egress to the
Neptune port on the cluster's group, the cluster's group gets the matching ingress (or, for a
group managed elsewhere, a synth message and a stack output say which rule to add), and each
function may call only the Neptune data-plane actions it needs, on this cluster only. For a
cluster reached through its public endpoint there is no network part: no VPC, no security group,
only IAM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Annotations, ArnFormat, CfnOutput, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from .nag import acknowledge, nag_resource

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_


class NeptuneAccess(Construct):
    """Security groups, their Neptune-port rules and cluster-scoped IAM for the functions.

    Attributes
    ----------
    vpc
        The cluster's VPC (attributes only: nothing selects subnets through it); None without one.
    subnets
        The subnets the functions run in (empty without a VPC).
    security_group
        The functions' security group: egress only to the Neptune port on the cluster's group;
        None without a VPC.
    ingress_rule
        The AWS CLI command that adds the cluster group's ingress rule (tokens resolved at
        deploy time), or None when there is no VPC.
    cluster_arn
        The data-plane resource of the cluster (``cluster-resource-id/*``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_id: str | None,
        subnet_ids: tuple[str, ...] | None,
        cluster_security_group_id: str | None,
        port: int,
        cluster_resource_id: str,
        add_ingress_rule: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self._cluster_resource_id = cluster_resource_id
        self.cluster_arn = Stack.of(self).format_arn(
            service="neptune-db",
            resource=cluster_resource_id,
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.vpc: ec2.IVpc | None = None
        self.subnets: list[ec2.ISubnet] = []
        self.security_group: ec2.ISecurityGroup | None = None
        self.ingress_rule: str | None = None
        if vpc_id is None or subnet_ids is None or cluster_security_group_id is None:
            return  # public endpoint: the functions run outside any VPC
        # The functions name their subnets explicitly, so the VPC object needs no subnet or AZ
        # inventory.
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self, "Vpc", vpc_id=vpc_id, availability_zones=Fn.get_azs()
        )
        Annotations.of(self.vpc).acknowledge_warning(
            "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
            "Nothing here selects subnets through the VPC object",
        )
        for index, subnet_id in enumerate(subnet_ids, start=1):
            subnet = ec2.Subnet.from_subnet_id(self, f"Subnet{index}", subnet_id)
            Annotations.of(subnet).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "Only the subnet id is used (Lambda VpcConfig); routes are not managed here",
            )
            self.subnets.append(subnet)
        cluster_group = ec2.SecurityGroup.from_security_group_id(
            self, "NeptuneSecurityGroup", cluster_security_group_id
        )
        security_group = ec2.SecurityGroup(
            self,
            "LambdaSecurityGroup",
            vpc=self.vpc,
            description="Bulk-load Lambdas: egress only to the Neptune port",
            allow_all_outbound=False,
        )
        neptune_port = ec2.Port.tcp(port)
        # Inline egress (the group's only outbound rule, so CloudFormation adds no allow-all),
        # and the matching ingress on the cluster's group so the port is reachable.
        self.security_group = security_group
        security_group.add_egress_rule(
            ec2.Peer.security_group_id(cluster_security_group_id),
            neptune_port,
            "Neptune loader API",
        )
        self.ingress_rule = Fn.join(
            "",
            [
                "aws ec2 authorize-security-group-ingress"
                f" --group-id {cluster_security_group_id} --protocol tcp --port {port}"
                " --source-group ",
                security_group.security_group_id,
            ],
        )
        if add_ingress_rule:
            cluster_group.add_ingress_rule(
                ec2.Peer.security_group_id(security_group.security_group_id),
                neptune_port,
                "Neptune loader API from the bulk-load Lambdas",
            )
            return
        # The cluster's group is managed elsewhere: leave it untouched and say what to add.
        CfnOutput(
            self,
            "NeptuneIngressRule",
            description="Add this ingress rule to the Neptune security group (managed elsewhere)",
            value=self.ingress_rule,
        ).override_logical_id("NeptuneIngressRule")
        Annotations.of(self).add_info(
            f"{cluster_security_group_id} is managed elsewhere and was left untouched: allow TCP "
            f"{port} from this stack's Lambda security group (output NeptuneIngressRule has the "
            "command: aws ec2 authorize-security-group-ingress --group-id "
            f"{cluster_security_group_id} --protocol tcp --port {port} --source-group <its id>)"
        )

    def allow(self, function: lambda_.IFunction, *actions: str) -> None:
        """Let ``function`` call the Neptune data-plane ``actions`` on this cluster only."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=sorted(actions), resources=[self.cluster_arn])
        )
        role = function.role
        assert role is not None  # a function of this app always has one
        acknowledge(
            role,
            id=f"AwsSolutions-IAM5[Resource::{nag_resource(self, self.cluster_arn)}]",
            reason="Neptune data-plane actions are scoped to a cluster as "
            "cluster-resource-id/*; this is the narrowest resource IAM offers",
        )
