"""Typed deployment settings, parsed once from the CDK context in ``app.py``.

Every value comes from ``cdk.json`` (or ``cdk synth -c key=value``). Parsing is strict: a missing
or malformed setting raises :class:`SettingsError` naming the context key, so synth fails before
any construct is built. Nothing here touches the network or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$")
_CLUSTER_RESOURCE_ID = re.compile(r"^cluster-[A-Z0-9]{10,64}$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")

# The longest wait the status Lambda's budget floor asks for (WaitPolicy.max_floor_wait; a test
# checks they agree).
MAX_FLOOR_WAIT_SECONDS = 3600
# Time one check can take besides its wait (the status function's 15 s timeout, with room for a
# Lambda service retry), and one start (30 s timeout, three transient retries with backoff).
CHECK_TASK_ALLOWANCE_SECONDS = 20
START_TASK_ALLOWANCE_SECONDS = 300


def checks_cover_total_wait(max_checks: int, max_total_wait: int, first_wait: int) -> bool:
    """Whether the check bound can never end a running load before the total-wait bound.

    The status Lambda's budget floor stretches waits up to `MAX_FLOOR_WAIT_SECONDS` as the checks
    run low, so the remaining checks cover the remaining time when
    ``max_total_wait - first_wait <= (max_checks - 2) * MAX_FLOOR_WAIT_SECONDS``.
    """
    return max_total_wait - first_wait <= (max_checks - 2) * MAX_FLOOR_WAIT_SECONDS


# Retention periods CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)


class SettingsError(ValueError):
    """A deployment setting is missing or malformed; the message names the context key."""


@dataclass(frozen=True, kw_only=True)
class PollSettings:
    """Bounds and pacing of the wait-and-check loop and of the status Lambda's wait policy."""

    initial_wait_seconds: int = 30
    max_checks: int = 500
    # 36 h: a 24-hour load that runs late or waits in the queue still ends inside the loop.
    max_total_wait_seconds: int = 36 * 3600
    max_consecutive_retries: int = 10
    status_min_wait_seconds: int = 10
    status_max_wait_seconds: int = 1800
    status_max_errors_fetched: int = 100


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the stack needs to know about the deployment target."""

    neptune_endpoint: str
    neptune_port: int
    cluster_resource_id: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    neptune_security_group_id: str
    iam_auth: bool = True
    loader_role_arn: str | None = None
    poll: PollSettings = PollSettings()
    max_resubmits: int = 1
    # The poll loop's named bound (36 h) fires first; checks and transitions add real time.
    workflow_timeout_seconds: int = 80 * 3600
    log_retention_days: int = 30
    alarm_topic_arn: str | None = None

    @property
    def neptune_endpoint_url(self) -> str:
        """``https://host:port``, the form the Lambdas read from ``NEPTUNE_ENDPOINT``."""
        return f"https://{self.neptune_endpoint}:{self.neptune_port}"

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Settings:
        """Parse and validate the CDK context.

        Parameters
        ----------
        context
            The context key/value pairs (``cdk.json`` ``context`` or ``-c`` overrides; values
            given on the command line arrive as strings and are accepted as such).

        Raises
        ------
        SettingsError
            If a required key is missing or any value is malformed.
        """
        reader = _Reader(context)
        poll = PollSettings(
            initial_wait_seconds=reader.integer("pollInitialWaitSeconds", 30, 1, 3600),
            max_checks=reader.integer("pollMaxChecks", 500, 3, 5000),
            max_total_wait_seconds=reader.integer(
                "pollMaxTotalWaitSeconds", 36 * 3600, 60, 360 * 24 * 3600
            ),
            max_consecutive_retries=reader.integer("pollMaxConsecutiveRetries", 10, 1, 1000),
            status_min_wait_seconds=reader.integer("statusMinWaitSeconds", 10, 1, 3600),
            status_max_wait_seconds=reader.integer("statusMaxWaitSeconds", 1800, 1, 3600),
            status_max_errors_fetched=reader.integer("statusMaxErrorsFetched", 100, 1, 1000),
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
        settings = cls(
            neptune_endpoint=reader.text("neptuneEndpoint", _HOST, "a host name without scheme"),
            neptune_port=reader.integer("neptunePort", 8182, 1, 65535),
            cluster_resource_id=reader.text(
                "neptuneClusterResourceId", _CLUSTER_RESOURCE_ID, "like 'cluster-ABCDEFGHIJKLMN'"
            ),
            vpc_id=reader.text("vpcId", _VPC_ID, "like 'vpc-0123456789abcdef0'"),
            subnet_ids=reader.id_list("subnetIds", _SUBNET_ID, "subnet ids like 'subnet-0123abcd'"),
            neptune_security_group_id=reader.text(
                "neptuneSecurityGroupId", _SECURITY_GROUP_ID, "like 'sg-0123456789abcdef0'"
            ),
            iam_auth=reader.boolean("neptuneIamAuth", True),
            loader_role_arn=reader.optional_text("loaderRoleArn", _ROLE_ARN, "an IAM role ARN"),
            poll=poll,
            max_resubmits=reader.integer("maxResubmits", 1, 0, 10),
            workflow_timeout_seconds=reader.integer(
                "workflowTimeoutSeconds", 80 * 3600, 300, 365 * 24 * 3600
            ),
            log_retention_days=reader.choice("logRetentionDays", 30, LOG_RETENTION_DAYS),
            alarm_topic_arn=reader.optional_text("alarmTopicArn", _TOPIC_ARN, "an SNS topic ARN"),
        )
        # Every poll run (the first and each resubmission) may wait its whole bound plus one last
        # wait, and spend task time on each check and on its start; the named Fail must fire
        # before the execution's own timeout.
        longest_run = (
            poll.max_total_wait_seconds
            + poll.status_max_wait_seconds
            + poll.max_checks * CHECK_TASK_ALLOWANCE_SECONDS
            + START_TASK_ALLOWANCE_SECONDS
        )
        needed = (1 + settings.max_resubmits) * longest_run
        if settings.workflow_timeout_seconds <= needed:
            raise SettingsError(
                "context key 'workflowTimeoutSeconds' must exceed (1 + 'maxResubmits') x "
                "('pollMaxTotalWaitSeconds' + 'statusMaxWaitSeconds' + 'pollMaxChecks' x "
                f"{CHECK_TASK_ALLOWANCE_SECONDS} s + {START_TASK_ALLOWANCE_SECONDS} s) = {needed} s, "
                "so the poll loop's own bound (a named Fail) fires before the execution times out"
            )
        return settings


class _Reader:
    """Typed access to context values; every error names the key."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self._context = context

    def _raw(self, key: str) -> Any:
        value = self._context.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise SettingsError(f"missing required context key '{key}' (set it in cdk.json)")
        return value

    def _parsed(self, key: str, default: T, parse: Callable[[Any], T]) -> T:
        if self._context.get(key) is None:
            return default
        return parse(self._raw(key))

    def text(self, key: str, pattern: re.Pattern[str], expected: str) -> str:
        value = self._raw(key)
        if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
            raise SettingsError(f"context key '{key}' must be {expected}, got {value!r}")
        return value.strip()

    def optional_text(self, key: str, pattern: re.Pattern[str], expected: str) -> str | None:
        value = self._context.get(key)
        if value is None or value == "":
            return None
        return self.text(key, pattern, expected)

    def id_list(self, key: str, pattern: re.Pattern[str], expected: str) -> tuple[str, ...]:
        value = self._raw(key)
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise SettingsError(f"context key '{key}' must be a non-empty list of {expected}")
        cleaned = tuple(str(item).strip() for item in items)
        bad = [item for item in cleaned if not pattern.fullmatch(item)]
        if bad or len(set(cleaned)) != len(cleaned):
            raise SettingsError(
                f"context key '{key}' must be a list of distinct {expected}, got {value!r}"
            )
        return cleaned

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        def parse(value: Any) -> int:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
            ):
                raise SettingsError(f"context key '{key}' must be an integer, got {value!r}")
            number = int(value)
            if not low <= number <= high:
                raise SettingsError(
                    f"context key '{key}' must be between {low} and {high}, got {number}"
                )
            return number

        return self._parsed(key, default, parse)

    def boolean(self, key: str, default: bool) -> bool:
        def parse(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise SettingsError(f"context key '{key}' must be true or false, got {value!r}")

        return self._parsed(key, default, parse)

    def choice(self, key: str, default: int, allowed: tuple[int, ...]) -> int:
        number = self.integer(key, default, min(allowed), max(allowed))
        if number not in allowed:
            raise SettingsError(f"context key '{key}' must be one of {allowed}, got {number}")
        return number
