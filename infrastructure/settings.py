"""Typed deployment settings, parsed once per deployment from the CDK context in ``app.py``.

Values come from ``cdk.json`` (or ``cdk synth -c key=value``); each key's default and allowed
values are declared in :mod:`infrastructure.setting_declarations` and read by
:mod:`infrastructure.context_reader`. Parsing is strict: a missing or malformed setting raises
:class:`SettingsError` naming the context key, and settings that do not fit together are refused
(the poll rules of :mod:`infrastructure.poll_limits`, the endpoint's region against the stack's,
a public endpoint without IAM auth), so synth fails before any construct is built. Nothing here
touches the network; the environment comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import setting_declarations as declared
from .context_reader import Reader, SettingsError
from .lambda_code import lambda_defaults, lambda_endpoints
from .poll_limits import (
    CHECK_TASK_ALLOWANCE_SECONDS,
    HISTORY_EVENT_LIMIT,
    MAX_FLOOR_WAIT_SECONDS,
    START_TASK_ALLOWANCE_SECONDS,
    checks_cover_total_wait,
    longest_poll_run_seconds,
    workflow_history_events,
)

endpoint_region = lambda_endpoints.endpoint_region

__all__ = ["DEFAULT_STACK_NAME", "PollSettings", "Settings", "SettingsError", "endpoint_region"]

# A stack sets its name as its functions' metrics namespace: the default stack's is the one the
# handlers fall back to.
DEFAULT_STACK_NAME = lambda_defaults.DEFAULT_METRICS_NAMESPACE


@dataclass(frozen=True, kw_only=True)
class PollSettings:
    """Bounds and pacing of the wait-and-check loop and of the status Lambda's wait policy."""

    initial_wait_seconds: int = declared.POLL_INITIAL_WAIT.default
    max_checks: int = declared.POLL_MAX_CHECKS.default
    max_total_wait_seconds: int = declared.POLL_MAX_TOTAL_WAIT.default
    max_consecutive_retries: int = declared.POLL_MAX_CONSECUTIVE_RETRIES.default
    status_min_wait_seconds: int = declared.STATUS_MIN_WAIT.default
    status_max_wait_seconds: int = declared.STATUS_MAX_WAIT.default
    status_max_errors_fetched: int = declared.STATUS_MAX_ERRORS_FETCHED.default
    status_tolerated_record_errors: int = declared.STATUS_TOLERATED_RECORD_ERRORS.default
    status_tolerated_errors_per_million: int = declared.STATUS_TOLERATED_ERRORS_PER_MILLION.default


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything one stack needs to know about its deployment target.

    ``vpc_id``, ``subnet_ids`` and ``neptune_security_group_id`` are None exactly when
    ``public_endpoint`` is true; ``account`` and ``region`` are None when neither the context nor
    the CDK environment names them (an environment-agnostic stack).
    """

    neptune_endpoint: str
    neptune_port: int
    cluster_resource_id: str
    vpc_id: str | None
    subnet_ids: tuple[str, ...] | None
    neptune_security_group_id: str | None
    stage: str | None = None
    stack_name: str = DEFAULT_STACK_NAME
    account: str | None = None
    region: str | None = None
    iam_auth: bool = declared.NEPTUNE_IAM_AUTH.default
    public_endpoint: bool = declared.NEPTUNE_PUBLIC_ENDPOINT.default
    add_ingress_rule: bool = declared.ADD_NEPTUNE_INGRESS_RULE.default
    loader_role_arn: str | None = None
    poll: PollSettings = PollSettings()
    max_resubmits: int = declared.MAX_RESUBMITS.default
    start_queue_full_retries: int = declared.START_QUEUE_FULL_RETRIES.default
    workflow_timeout_seconds: int = declared.WORKFLOW_TIMEOUT.default
    log_retention_days: int = declared.LOG_RETENTION.default
    kms_key_arn: str | None = None
    state_machine_name: str | None = None
    alarm_topic_arn: str | None = None
    create_alarm_topic: bool = declared.CREATE_ALARM_TOPIC.default
    tags: tuple[tuple[str, str], ...] = ()
    source_estimates: bool = declared.SOURCE_ESTIMATES.default
    source_buckets: tuple[str, ...] = ()
    source_prefix_list_id: str | None = None

    @classmethod
    def from_context(
        cls, context: Mapping[str, Any], *, environment: Mapping[str, str] | None = None
    ) -> Settings:
        """Parse and validate the CDK context of one deployment.

        Parameters
        ----------
        context
            The context key/value pairs (``cdk.json`` ``context`` or ``-c`` overrides; values
            given on the command line arrive as strings and are accepted as such).
        environment
            Where ``CDK_DEFAULT_ACCOUNT`` and ``CDK_DEFAULT_REGION`` are read when the context
            sets no ``account`` or ``region`` (``app.py`` passes ``os.environ``).

        Raises
        ------
        SettingsError
            If a required key is missing, any value is malformed, or values do not fit together.
        """
        reader = Reader(context)
        poll = _poll_settings(reader)
        public = reader.boolean(declared.NEPTUNE_PUBLIC_ENDPOINT)
        iam_auth = reader.boolean(declared.NEPTUNE_IAM_AUTH)
        if public and not iam_auth:
            raise SettingsError(
                "context keys 'neptunePublicEndpoint' and 'neptuneIamAuth' do not fit: Neptune "
                "public endpoints require IAM authentication, so neptuneIamAuth must be true"
            )
        stage = reader.optional_text(declared.STAGE)
        default_name = f"{DEFAULT_STACK_NAME}-{stage}" if stage else DEFAULT_STACK_NAME
        environment = environment or {}
        settings = cls(
            stage=stage,
            stack_name=reader.optional_text(declared.STACK_NAME) or default_name,
            account=_from_environment(
                reader, declared.ACCOUNT, environment.get("CDK_DEFAULT_ACCOUNT")
            ),
            region=_from_environment(
                reader, declared.REGION, environment.get("CDK_DEFAULT_REGION")
            ),
            neptune_endpoint=reader.text(declared.NEPTUNE_ENDPOINT),
            neptune_port=reader.integer(declared.NEPTUNE_PORT),
            cluster_resource_id=reader.text(declared.CLUSTER_RESOURCE_ID),
            vpc_id=None if public else reader.text(declared.VPC_ID),
            subnet_ids=None if public else reader.id_list(declared.SUBNET_IDS),
            neptune_security_group_id=(
                None if public else reader.text(declared.NEPTUNE_SECURITY_GROUP_ID)
            ),
            iam_auth=iam_auth,
            public_endpoint=public,
            add_ingress_rule=reader.boolean(declared.ADD_NEPTUNE_INGRESS_RULE),
            loader_role_arn=reader.optional_text(declared.LOADER_ROLE_ARN),
            poll=poll,
            max_resubmits=reader.integer(declared.MAX_RESUBMITS),
            start_queue_full_retries=reader.integer(declared.START_QUEUE_FULL_RETRIES),
            workflow_timeout_seconds=reader.integer(declared.WORKFLOW_TIMEOUT),
            log_retention_days=reader.choice(declared.LOG_RETENTION),
            kms_key_arn=reader.optional_text(declared.KMS_KEY_ARN),
            state_machine_name=reader.optional_text(declared.STATE_MACHINE_NAME),
            alarm_topic_arn=reader.optional_text(declared.ALARM_TOPIC_ARN),
            create_alarm_topic=reader.boolean(declared.CREATE_ALARM_TOPIC),
            tags=reader.tag_map(declared.TAGS),
            source_estimates=reader.boolean(declared.SOURCE_ESTIMATES),
            source_buckets=reader.optional_id_list(declared.SOURCE_BUCKETS),
            source_prefix_list_id=reader.optional_text(declared.SOURCE_PREFIX_LIST_ID),
        )
        settings._check_combinations(environment)
        return settings

    def _check_combinations(self, environment: Mapping[str, str]) -> None:
        """Refuse values that are each valid but do not fit together."""
        if self.source_estimates and not self.source_buckets:
            raise SettingsError(
                "context key 'sourceEstimates' is true but 'sourceBuckets' is empty: name the S3 "
                "buckets your loads read from (the status Lambda gets read-only access to them "
                "only), e.g. -c sourceBuckets=my-bucket,other-bucket"
            )
        cluster_region = endpoint_region(self.neptune_endpoint)
        if self.source_estimates and not self.public_endpoint and not self.source_prefix_list_id:
            region = self.region or cluster_region or "<region>"
            raise SettingsError(
                f"context key '{declared.SOURCE_PREFIX_LIST_ID.key}' is required with "
                f"'{declared.SOURCE_ESTIMATES.key}' in a VPC: the status Lambda reaches S3 "
                "through the VPC's S3 gateway endpoint, allowed by HTTPS egress to the region's "
                "S3 prefix list; find its id with `aws ec2 describe-managed-prefix-lists "
                f"--filters Name=prefix-list-name,Values=com.amazonaws.{region}.s3`"
            )
        if self.alarm_topic_arn and self.create_alarm_topic:
            raise SettingsError(
                "context keys 'alarmTopicArn' and 'createAlarmTopic' do not fit: the alarms "
                "notify either your topic or one the stack creates, not both"
            )
        if cluster_region and self.region and cluster_region != self.region:
            source = (
                "CDK_DEFAULT_REGION"
                if environment.get("CDK_DEFAULT_REGION") == self.region
                else "context key 'region'"
            )
            raise SettingsError(
                f"context key 'neptuneEndpoint' is a cluster in {cluster_region} but the stack's "
                f"region is {self.region} (from {source}): set 'region' to {cluster_region} or "
                "use that region's endpoint"
            )
        key_region = self.kms_key_arn.split(":")[3] if self.kms_key_arn else None
        stack_region = self.region or cluster_region
        if key_region and stack_region and key_region != stack_region:
            raise SettingsError(
                f"context key 'kmsKeyArn' is a key in {key_region} but the stack deploys to "
                f"{stack_region}: CloudWatch Logs needs a key in the log group's region"
            )
        # Every poll run (the first and each resubmission) may take its longest; the named Fail
        # must fire before the execution's own timeout.
        poll = self.poll
        longest_run = longest_poll_run_seconds(
            poll.max_total_wait_seconds,
            poll.status_max_wait_seconds,
            poll.max_checks,
            self.start_queue_full_retries,
        )
        needed = (1 + self.max_resubmits) * longest_run
        if self.workflow_timeout_seconds <= needed:
            raise SettingsError(
                "context key 'workflowTimeoutSeconds' must exceed (1 + 'maxResubmits') x "
                "('pollMaxTotalWaitSeconds' + 'statusMaxWaitSeconds' + 'pollMaxChecks' x "
                f"{CHECK_TASK_ALLOWANCE_SECONDS} s + {START_TASK_ALLOWANCE_SECONDS} s + the waits "
                f"of 'startQueueFullRetries') = {needed} s, "
                "so the poll loop's own bound (a named Fail) fires before the execution times out"
            )

        history_events = workflow_history_events(
            max_checks=self.poll.max_checks,
            max_resubmits=self.max_resubmits,
            start_queue_full_retries=self.start_queue_full_retries,
        )
        if history_events > HISTORY_EVENT_LIMIT:
            checks, resubmits = declared.POLL_MAX_CHECKS.key, declared.MAX_RESUBMITS.key
            raise SettingsError(
                f"context keys '{checks}' ({self.poll.max_checks}) and '{resubmits}' "
                f"({self.max_resubmits}) allow up to {history_events} history events per "
                f"execution, over the Step Functions limit of {HISTORY_EVENT_LIMIT}: lower "
                f"{checks} or {resubmits}"
            )


def _from_environment(
    reader: Reader, declaration: declared.Text, fallback: str | None
) -> str | None:
    """The context value, else the CDK CLI's default for it (checked the same way), else None."""
    value = reader.optional_text(declaration)
    if value is not None or not fallback:
        return value
    return Reader({declaration.key: fallback}).text(declaration)


def _poll_settings(reader: Reader) -> PollSettings:
    poll = PollSettings(
        initial_wait_seconds=reader.integer(declared.POLL_INITIAL_WAIT),
        max_checks=reader.integer(declared.POLL_MAX_CHECKS),
        max_total_wait_seconds=reader.integer(declared.POLL_MAX_TOTAL_WAIT),
        max_consecutive_retries=reader.integer(declared.POLL_MAX_CONSECUTIVE_RETRIES),
        status_min_wait_seconds=reader.integer(declared.STATUS_MIN_WAIT),
        status_max_wait_seconds=reader.integer(declared.STATUS_MAX_WAIT),
        status_max_errors_fetched=reader.integer(declared.STATUS_MAX_ERRORS_FETCHED),
        status_tolerated_record_errors=reader.integer(declared.STATUS_TOLERATED_RECORD_ERRORS),
        status_tolerated_errors_per_million=reader.integer(
            declared.STATUS_TOLERATED_ERRORS_PER_MILLION
        ),
    )
    if not checks_cover_total_wait(
        poll.max_checks, poll.max_total_wait_seconds, poll.initial_wait_seconds
    ):
        raise SettingsError(
            "context keys 'pollMaxChecks' and 'pollMaxTotalWaitSeconds' do not fit: the status "
            f"Lambda waits at most {MAX_FLOOR_WAIT_SECONDS} s when the check budget runs low, "
            "so pollMaxTotalWaitSeconds must be at most (pollMaxChecks - 2) x "
            f"{MAX_FLOOR_WAIT_SECONDS} s + pollInitialWaitSeconds, or the check bound could "
            "cut off a running load"
        )
    if poll.status_min_wait_seconds > poll.status_max_wait_seconds:
        raise SettingsError(
            "context key 'statusMinWaitSeconds' must not exceed 'statusMaxWaitSeconds' "
            f"({poll.status_min_wait_seconds} > {poll.status_max_wait_seconds})"
        )
    return poll
