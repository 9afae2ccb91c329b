"""The one way this project builds a Lambda function.

Runtime, architecture, tracing, JSON logs, a log group with retention, Powertools settings and
VPC placement are decided here once, so the functions cannot drift apart. The code is the
shared ``lambdas/`` asset root (found in a checkout or in the installed package); third-party
packages come from a layer built with ``pip --platform`` (no Docker at synth): prebuilt by
``make`` for this repository's app (:func:`dependency_layer`), or at synth time for an installed
package (:mod:`.layer_bundling`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..lambda_code import LAMBDA_ASSET_DIR
from .nag import acknowledge

# Where `make` builds the layer in a checkout (nothing is there in an installed package).
LAYER_DIR = LAMBDA_ASSET_DIR.parent / "build" / "layer"

# The layer is built for exactly this runtime and architecture (see the Makefile's
# LAMBDA_PYTHON / LAMBDA_PLATFORM); change them together.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

# Test imports create __pycache__ inside lambdas/; excluding it keeps the asset hash stable.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", "requirements.txt"]


def dependency_layer(
    scope: Construct, construct_id: str, *, layer_dir: Path = LAYER_DIR
) -> lambda_.LayerVersion:
    """Package the pinned boto3/botocore/Powertools tree that ``make`` built as a layer.

    Raises
    ------
    FileNotFoundError
        If the layer has not been built; the message says which command builds it.
    """
    if not (layer_dir / "python").is_dir():
        raise FileNotFoundError(
            f"Lambda dependency layer not found at {layer_dir / 'python'}: "
            "run `make synth` (or `make install`) to build it before synthesizing"
        )
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(layer_dir), exclude=[".installed", "__pycache__"]),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="Pinned boto3, botocore and Powertools for the bulk-load functions",
    )


@dataclass(frozen=True, kw_only=True)
class SharedFunctionProps:
    """What every function of one stack shares: its layer, network placement (none for a cluster
    reached through its public endpoint), metrics namespace and log retention."""

    layer: lambda_.ILayerVersion
    vpc: ec2.IVpc | None
    subnets: Sequence[ec2.ISubnet]
    security_group: ec2.ISecurityGroup | None
    metrics_namespace: str
    log_retention: logs.RetentionDays


class HouseLambda(Construct):
    """A Python Lambda function with the house defaults, placed in the cluster's VPC.

    Parameters
    ----------
    extra_security_groups
        Groups of this function alone, attached besides the shared one (in a VPC only).

    Attributes
    ----------
    function
        The Lambda function.
    log_group
        Its log group (retention set, deleted with the stack).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        shared: SharedFunctionProps,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        service_name: str,
        timeout: Duration,
        memory_size: int = 256,
        log_level: str = "INFO",
        asset_dir: Path = LAMBDA_ASSET_DIR,
        extra_security_groups: Sequence[ec2.ISecurityGroup] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=shared.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=lambda_.Code.from_asset(str(asset_dir), exclude=ASSET_EXCLUDES),
            layers=[shared.layer],
            timeout=timeout,
            memory_size=memory_size,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            vpc=shared.vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=list(shared.subnets)) if shared.vpc else None,
            security_groups=[shared.security_group, *extra_security_groups]
            if shared.security_group
            else None,
            environment={
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": shared.metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": log_level,
                **environment,
            },
        )
        self._acknowledge_nag_findings(in_vpc=shared.vpc is not None)

    def _acknowledge_nag_findings(self, *, in_vpc: bool) -> None:
        """What every house function brings with it: the pinned runtime, Lambda's managed
        policies for logs and VPC ENIs, and X-Ray's unscoped actions."""
        acknowledge(
            self.function,
            id="AwsSolutions-L1",
            reason=f"The dependency layer is built for {RUNTIME.name} (Makefile LAMBDA_PYTHON); "
            "move runtime and layer together",
        )
        role = self.function.role
        assert role is not None  # the Function construct always creates one here
        acknowledge(
            role,
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "service-role/AWSLambdaBasicExecutionRole]",
            reason="Lambda's standard policy to write its own logs",
        )
        if in_vpc:
            acknowledge(
                role,
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "service-role/AWSLambdaVPCAccessExecutionRole]",
                reason="Lambda's standard policy to manage the ENIs of a VPC function; ENI ids "
                "are not known in advance",
            )
        acknowledge(
            role,
            id="AwsSolutions-IAM5[Resource::*]",
            reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource scoping",
        )
