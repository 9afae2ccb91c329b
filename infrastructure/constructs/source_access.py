"""The status Lambda's way to the loads' sources for estimates: read-only S3 access scoped to the
configured buckets and, in a VPC, HTTPS to S3 only (through the VPC's S3 gateway endpoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from .nag import acknowledge, nag_resource

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from constructs import Construct

HTTPS_PORT = 443


def prefix_list_hint(scope: Construct) -> str:
    """The AWS CLI command that finds the S3 prefix list of ``scope``'s region."""
    region = Stack.of(scope).region
    name = "<region>" if Token.is_unresolved(region) else region
    return (
        "aws ec2 describe-managed-prefix-lists --filters "
        f"Name=prefix-list-name,Values=com.amazonaws.{name}.s3"
    )


def allow_source_reads(function: lambda_.IFunction, buckets: tuple[str, ...]) -> None:
    """Let ``function`` list ``buckets`` and read their objects (``s3:ListBucket`` and
    ``s3:GetObject``; nothing else, and no other bucket)."""
    stack = Stack.of(function)
    bucket_arns = [f"arn:{stack.partition}:s3:::{name}" for name in buckets]
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=bucket_arns)
    )
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{arn}/*" for arn in bucket_arns])
    )
    role = function.role
    assert role is not None  # a function of this app always has one
    for arn in bucket_arns:
        acknowledge(
            role,
            id=f"AwsSolutions-IAM5[Resource::{nag_resource(function, f'{arn}/*')}]",
            reason="Source estimates read the head of any object a load may name under this "
            "bucket (read-only); loads choose their prefix at start time",
        )


def https_to_s3_group(scope: Construct, *, vpc: ec2.IVpc, prefix_list_id: str) -> ec2.SecurityGroup:
    """A security group whose only rule is egress HTTPS to the region's S3 prefix list (``pl-...``:
    the addresses the VPC's S3 gateway endpoint routes), for the status function alone."""
    group = ec2.SecurityGroup(
        scope,
        "S3SecurityGroup",
        vpc=vpc,
        description="Status Lambda: HTTPS to S3 only (source estimates)",
        allow_all_outbound=False,
    )
    # Inline, as the group's only outbound rule: CloudFormation then adds no allow-all rule. (The
    # L2 would put a prefix-list rule in a separate resource and leave the group with no inline
    # rule.)
    cfn_group = group.node.default_child
    assert isinstance(cfn_group, ec2.CfnSecurityGroup)
    cfn_group.security_group_egress = [
        ec2.CfnSecurityGroup.EgressProperty(
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            destination_prefix_list_id=prefix_list_id,
            description="S3 (source estimates) through the VPC's S3 gateway endpoint",
        )
    ]
    return group
