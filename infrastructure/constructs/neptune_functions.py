"""The status, start and batch functions, each wired to one Neptune cluster in a single construct.

(Over the ~300-line guide: the three function constructs share one private base and one docstring
style; splitting the batch one out would only move its ~45 lines away from that base.)

A function cannot be half-wired: :class:`NeptuneClusterRef` always creates the functions' security
group (egress to the Neptune port only) with the matching ingress on the cluster's group (or, for a
group managed elsewhere, says which rule to add), and each function construct places its Lambda in
the cluster's subnets behind that group, points it at the cluster's endpoint and grants its Neptune
actions on that cluster only. For a cluster reached through its public endpoint there is no
network part, only IAM.

Example::

    cluster = NeptuneClusterRef(self, "Cluster", endpoint="my-cluster.cluster-abc.us-east-1."
        "neptune.amazonaws.com", cluster_resource_id="cluster-ABCDEFGHIJKLMN",
        vpc_id="vpc-0123456789abcdef0", subnet_ids=["subnet-0123456789abcdef0"],
        security_group_id="sg-0123456789abcdef0")
    status = NeptuneStatusFunction(self, "LoadStatus", cluster=cluster)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from aws_cdk import Duration, Token
from aws_cdk import aws_logs as logs
from constructs import Construct

from .. import setting_declarations as declared
from ..definition import BATCH_HANDLER, START_HANDLER, STATUS_HANDLER
from ..lambda_code import lambda_defaults
from ..settings import PollSettings
from .house_lambda import HouseLambda, SharedFunctionProps
from .layer_bundling import shared_dependency_layer
from .neptune_access import NeptuneAccess
from .source_access import allow_source_reads, https_to_s3_group, prefix_list_hint

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_

    from ..settings import Settings

STATUS_SERVICE_NAME = "neptune-load-status"
START_SERVICE_NAME = "neptune-load-start"
BATCH_SERVICE_NAME = "neptune-load-batch"
# What starting loads needs: the start, and listing and reading loads so that a start whose answer
# was lost finds the load it created instead of starting another.
START_ACTIONS = (
    "neptune-db:StartLoaderJob",
    "neptune-db:ListLoaderJobs",
    "neptune-db:GetLoaderJobStatus",
)
# One batch-controller call sends up to 64 loads (25 s each at worst) or checks a few: it stops
# sending with 30 s left, so 120 s bounds a call.
BATCH_FUNCTION_TIMEOUT_SECONDS = 120
# The metrics namespace of a function built outside a stack of this app: the handlers' default
# (a stack of this app passes its name, which is this by default).
METRICS_NAMESPACE = lambda_defaults.DEFAULT_METRICS_NAMESPACE


def _checked(declaration: declared.Text | declared.IdList, prop: str, value: str) -> str:
    """``value`` when it has the declared form (tokens pass: they resolve at deploy time)."""
    if not Token.is_unresolved(value) and not declaration.pattern.fullmatch(value):
        raise ValueError(f"{prop} must be {declaration.expected}, got {value!r}")
    return value


def _loader_role(loader_role_arn: str | None) -> dict[str, str]:
    """The environment naming the default loader role, checked (none without a role)."""
    if not loader_role_arn:
        return {}
    return {
        "LOADER_IAM_ROLE_ARN": _checked(
            declared.LOADER_ROLE_ARN, "loader_role_arn", loader_role_arn
        )
    }


class NeptuneClusterRef(Construct):
    """One existing Neptune cluster, and the network path and IAM scope the functions use.

    Parameters
    ----------
    endpoint
        The cluster (writer) endpoint host name, without scheme or port.
    cluster_resource_id
        The cluster's resource id (``cluster-...``): IAM grants are scoped to it.
    vpc_id, subnet_ids
        The cluster's VPC and the (private) subnets the functions run in.
    security_group_id
        The cluster's security group: it gets an ingress rule on ``port`` from the functions'
        group.
    port
        The Neptune port; the functions' group may reach this port only.
    iam_auth
        Whether requests are SigV4-signed (``False`` for clusters without IAM authentication).
    public_endpoint
        The cluster is reached through its Neptune public endpoint: leave out ``vpc_id``,
        ``subnet_ids`` and ``security_group_id``; the functions run outside any VPC and
        ``iam_auth`` must stay on.
    add_ingress_rule
        ``False`` leaves a security group managed elsewhere untouched: a synth message and the
        stack output ``NeptuneIngressRule`` give the rule to add.

    Attributes
    ----------
    access
        The functions' security group, subnets and cluster-scoped grants.
    endpoint_url
        ``https://endpoint:port``, what the functions read from ``NEPTUNE_ENDPOINT``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: str,
        cluster_resource_id: str,
        vpc_id: str | None = None,
        subnet_ids: Sequence[str] | None = None,
        security_group_id: str | None = None,
        port: int = declared.NEPTUNE_PORT.default,
        iam_auth: bool = declared.NEPTUNE_IAM_AUTH.default,
        public_endpoint: bool = declared.NEPTUNE_PUBLIC_ENDPOINT.default,
        add_ingress_rule: bool = declared.ADD_NEPTUNE_INGRESS_RULE.default,
    ) -> None:
        super().__init__(scope, construct_id)
        _checked(declared.NEPTUNE_ENDPOINT, "endpoint", endpoint)
        network = (vpc_id, subnet_ids, security_group_id)
        if public_endpoint:
            if any(value is not None for value in network):
                raise ValueError(
                    "public_endpoint runs the functions outside any VPC: leave out vpc_id, "
                    "subnet_ids and security_group_id"
                )
            if not iam_auth:
                raise ValueError(
                    "public_endpoint needs iam_auth: Neptune public endpoints "
                    "require IAM authentication"
                )
        elif vpc_id is None or security_group_id is None or not subnet_ids:
            raise ValueError(
                "vpc_id, subnet_ids (at least one) and security_group_id are required unless "
                "public_endpoint=True"
            )
        if not declared.NEPTUNE_PORT.low <= port <= declared.NEPTUNE_PORT.high:
            raise ValueError(f"port must be between 1 and 65535, got {port}")
        self.endpoint = endpoint
        self.port = port
        self.iam_auth = iam_auth
        self.endpoint_url = f"https://{endpoint}:{port}"
        # "Default" is left out of logical ids: the stack's resources keep the ids they had.
        self.access = NeptuneAccess(
            self,
            "Default",
            vpc_id=None if vpc_id is None else _checked(declared.VPC_ID, "vpc_id", vpc_id),
            subnet_ids=None
            if subnet_ids is None
            else tuple(
                _checked(declared.SUBNET_IDS, "subnet_ids", subnet) for subnet in subnet_ids
            ),
            cluster_security_group_id=None
            if security_group_id is None
            else _checked(
                declared.NEPTUNE_SECURITY_GROUP_ID, "security_group_id", security_group_id
            ),
            port=port,
            cluster_resource_id=_checked(
                declared.CLUSTER_RESOURCE_ID, "cluster_resource_id", cluster_resource_id
            ),
            add_ingress_rule=add_ingress_rule,
        )

    @classmethod
    def from_settings(
        cls, scope: Construct, construct_id: str, settings: Settings
    ) -> NeptuneClusterRef:
        """The cluster the deployment settings describe."""
        return cls(
            scope,
            construct_id,
            endpoint=settings.neptune_endpoint,
            cluster_resource_id=settings.cluster_resource_id,
            vpc_id=settings.vpc_id,
            subnet_ids=settings.subnet_ids,
            security_group_id=settings.neptune_security_group_id,
            port=settings.neptune_port,
            iam_auth=settings.iam_auth,
            public_endpoint=settings.public_endpoint,
            add_ingress_rule=settings.add_ingress_rule,
        )


class _NeptuneFunction(Construct):
    """A house Lambda wired to ``cluster``, allowed its Neptune ``actions`` on it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: NeptuneClusterRef,
        actions: tuple[str, ...],
        handler: str,
        description: str,
        service_name: str,
        timeout: Duration,
        poll: PollSettings,
        extra_environment: Mapping[str, str],
        layer: lambda_.ILayerVersion | None,
        log_retention: logs.RetentionDays,
        metrics_namespace: str,
        log_level: str,
        s3_prefix_list_id: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = cluster
        vpc = cluster.access.vpc
        # In a VPC, S3 (source estimates) through the gateway endpoint: a group of this
        # function's own, so the others stay Neptune-port-only.
        own_groups = (
            [https_to_s3_group(self, vpc=vpc, prefix_list_id=s3_prefix_list_id)]
            if vpc is not None and s3_prefix_list_id is not None
            else []
        )
        shared = SharedFunctionProps(
            layer=layer or shared_dependency_layer(self),
            vpc=cluster.access.vpc,
            subnets=cluster.access.subnets,
            security_group=cluster.access.security_group,
            metrics_namespace=metrics_namespace,
            log_retention=log_retention,
        )
        # Every Lambda reads one settings module, which checks every variable it knows.
        environment = {
            "NEPTUNE_ENDPOINT": cluster.endpoint_url,
            "NEPTUNE_IAM_AUTH": "true" if cluster.iam_auth else "false",
            "STATUS_MIN_WAIT_SECONDS": str(poll.status_min_wait_seconds),
            "STATUS_MAX_WAIT_SECONDS": str(poll.status_max_wait_seconds),
            "STATUS_MAX_ERRORS_FETCHED": str(poll.status_max_errors_fetched),
            "STATUS_TOLERATED_RECORD_ERRORS": str(poll.status_tolerated_record_errors),
            "STATUS_TOLERATED_ERRORS_PER_MILLION": str(poll.status_tolerated_errors_per_million),
            **extra_environment,
        }
        # "Default": the function keeps the logical id it has when built directly in a stack.
        house = HouseLambda(
            self,
            "Default",
            shared=shared,
            handler=handler,
            description=description,
            environment=environment,
            service_name=service_name,
            timeout=timeout,
            log_level=log_level,
            extra_security_groups=own_groups,
        )
        self.function: lambda_.Function = house.function
        self.log_group: logs.LogGroup = house.log_group
        cluster.access.allow(self.function, *actions)


def as_function(function: _NeptuneFunction | lambda_.IFunction) -> lambda_.IFunction:
    """The Lambda function of a function construct, or ``function`` itself."""
    return function.function if isinstance(function, _NeptuneFunction) else function


class NeptuneStatusFunction(_NeptuneFunction):
    """The status Lambda: reads one load's status and says what to do next.

    Parameters
    ----------
    cluster
        The cluster it reads; the function gets its network path and
        ``neptune-db:GetLoaderJobStatus`` on it.
    poll
        The wait policy's bounds (``status_*`` fields); the loop's own bounds go to the poller.
    source_buckets
        Buckets the loads read from: given, the function estimates each load's records from its
        source and may list and read these buckets (nothing else).
    s3_prefix_list_id
        The region's S3 managed prefix list (``pl-...``), required with ``source_buckets`` in a
        VPC: the function alone gets a second security group whose only rule is HTTPS to it (S3
        through the VPC's S3 gateway endpoint, which Neptune's loader already needs). Find it
        with ``aws ec2 describe-managed-prefix-lists --filters
        Name=prefix-list-name,Values=com.amazonaws.<region>.s3``.
    layer
        The dependency layer; by default one layer per stack, built at synth time by pip
        (no Docker).
    log_retention, metrics_namespace, log_level
        Logging (JSON, X-Ray tracing always on) and the Powertools metrics namespace.

    Attributes
    ----------
    function, log_group, cluster
        The Lambda function, its log group, and the cluster it is wired to.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: NeptuneClusterRef,
        poll: PollSettings | None = None,
        source_buckets: Sequence[str] | None = None,
        s3_prefix_list_id: str | None = None,
        layer: lambda_.ILayerVersion | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        metrics_namespace: str = METRICS_NAMESPACE,
        log_level: str = "INFO",
    ) -> None:
        vpc = cluster.access.vpc
        if s3_prefix_list_id is not None:
            _checked(declared.SOURCE_PREFIX_LIST_ID, "s3_prefix_list_id", s3_prefix_list_id)
        elif source_buckets and vpc is not None:
            raise ValueError(
                "s3_prefix_list_id is required with source_buckets in a VPC: the function reaches "
                "S3 through the VPC's S3 gateway endpoint, allowed by HTTPS egress to the "
                f"region's S3 prefix list; find its id with `{prefix_list_hint(cluster)}`"
            )
        super().__init__(
            scope,
            construct_id,
            cluster=cluster,
            actions=("neptune-db:GetLoaderJobStatus",),
            handler=STATUS_HANDLER,
            description="Reads a Neptune bulk load's status and says what to do next",
            service_name=STATUS_SERVICE_NAME,
            # The handler answers within 10 s even when Neptune hangs; 15 s leaves headroom.
            timeout=Duration.seconds(15),
            poll=poll or PollSettings(),
            extra_environment={"SOURCE_ESTIMATES": "true"} if source_buckets else {},
            layer=layer,
            log_retention=log_retention,
            metrics_namespace=metrics_namespace,
            log_level=log_level,
            s3_prefix_list_id=s3_prefix_list_id if source_buckets else None,
        )
        if source_buckets:
            allow_source_reads(self.function, tuple(source_buckets))


class NeptuneStartFunction(_NeptuneFunction):
    """The start Lambda: validates a loader request and starts the load.

    Parameters
    ----------
    cluster
        The cluster it loads into; the function gets its network path and
        ``neptune-db:StartLoaderJob`` on it.
    loader_role_arn
        The ``iamRoleArn`` for requests that do not name one (the role Neptune reads S3 with).
    poll, layer, log_retention, metrics_namespace, log_level
        As for :class:`NeptuneStatusFunction` (pass the same ``poll``: every Lambda checks it).

    Attributes
    ----------
    function, log_group, cluster
        The Lambda function, its log group, and the cluster it is wired to.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: NeptuneClusterRef,
        loader_role_arn: str | None = None,
        poll: PollSettings | None = None,
        layer: lambda_.ILayerVersion | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        metrics_namespace: str = METRICS_NAMESPACE,
        log_level: str = "INFO",
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            cluster=cluster,
            actions=START_ACTIONS,
            handler=START_HANDLER,
            description="Starts a Neptune bulk load",
            service_name=START_SERVICE_NAME,
            # A look for an earlier attempt's load (<= 10 s), the start (<= 25 s) and, when its
            # answer is lost, a look for the load it may have created (<= 10 s).
            timeout=Duration.seconds(60),
            poll=poll or PollSettings(),
            extra_environment=_loader_role(loader_role_arn),
            layer=layer,
            log_retention=log_retention,
            metrics_namespace=metrics_namespace,
            log_level=log_level,
        )


class NeptuneBatchFunction(_NeptuneFunction):
    """The batch controller: sends and watches a batch of loads, one wait cycle per call.

    Parameters
    ----------
    cluster
        The cluster it loads into; the function gets its network path and the start function's
        actions on it (``StartLoaderJob``, ``ListLoaderJobs``, ``GetLoaderJobStatus``: it starts
        through the start code and watches its loads by reading their status).
    loader_role_arn
        The ``iamRoleArn`` for loads whose request names none.
    max_resubmits
        Resubmissions with mode ``RESUME`` of a load with a ``retryable`` failure.
    poll, layer, log_retention, metrics_namespace, log_level
        As for :class:`NeptuneStatusFunction`.

    Attributes
    ----------
    function, log_group, cluster
        The Lambda function, its log group, and the cluster it is wired to.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: NeptuneClusterRef,
        loader_role_arn: str | None = None,
        max_resubmits: int = declared.MAX_RESUBMITS.default,
        poll: PollSettings | None = None,
        layer: lambda_.ILayerVersion | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        metrics_namespace: str = METRICS_NAMESPACE,
        log_level: str = "INFO",
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            cluster=cluster,
            actions=START_ACTIONS,
            handler=BATCH_HANDLER,
            description="Sends and watches a batch of Neptune bulk loads, one cycle per call",
            service_name=BATCH_SERVICE_NAME,
            timeout=Duration.seconds(BATCH_FUNCTION_TIMEOUT_SECONDS),
            poll=poll or PollSettings(),
            extra_environment={
                **_loader_role(loader_role_arn),
                "MAX_RESUBMITS": str(max_resubmits),
            },
            layer=layer,
            log_retention=log_retention,
            metrics_namespace=metrics_namespace,
            log_level=log_level,
        )
