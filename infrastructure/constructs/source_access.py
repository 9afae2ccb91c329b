"""Read-only S3 access for the status Lambda's source estimates, scoped to the configured buckets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from .nag import acknowledge, nag_resource

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_


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
