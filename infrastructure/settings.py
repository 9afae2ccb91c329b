"""Typed deployment settings, parsed once from the CDK context in ``app.py``.

Values come from ``cdk.json`` (or ``cdk synth -c key=value``); each key's default and allowed
values are declared in :mod:`infrastructure.setting_declarations`. Parsing is strict: a missing
or malformed setting raises :class:`SettingsError` naming the context key, and settings that do
not fit together are refused with the rules of :mod:`infrastructure.poll_limits`, so synth fails
before any construct is built. Nothing here touches the network or the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from . import setting_declarations as declared
from .poll_limits import (
    CHECK_TASK_ALLOWANCE_SECONDS,
    MAX_FLOOR_WAIT_SECONDS,
    START_TASK_ALLOWANCE_SECONDS,
    checks_cover_total_wait,
    longest_poll_run_seconds,
)

T = TypeVar("T")


class SettingsError(ValueError):
    """A deployment setting is missing or malformed; the message names the context key."""


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
    """Everything the stack needs to know about the deployment target."""

    neptune_endpoint: str
    neptune_port: int
    cluster_resource_id: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    neptune_security_group_id: str
    iam_auth: bool = declared.NEPTUNE_IAM_AUTH.default
    loader_role_arn: str | None = None
    poll: PollSettings = PollSettings()
    max_resubmits: int = declared.MAX_RESUBMITS.default
    start_queue_full_retries: int = declared.START_QUEUE_FULL_RETRIES.default
    workflow_timeout_seconds: int = declared.WORKFLOW_TIMEOUT.default
    log_retention_days: int = declared.LOG_RETENTION.default
    alarm_topic_arn: str | None = None
    source_estimates: bool = declared.SOURCE_ESTIMATES.default
    source_buckets: tuple[str, ...] = ()

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
        settings = cls(
            neptune_endpoint=reader.text(declared.NEPTUNE_ENDPOINT),
            neptune_port=reader.integer(declared.NEPTUNE_PORT),
            cluster_resource_id=reader.text(declared.CLUSTER_RESOURCE_ID),
            vpc_id=reader.text(declared.VPC_ID),
            subnet_ids=reader.id_list(declared.SUBNET_IDS),
            neptune_security_group_id=reader.text(declared.NEPTUNE_SECURITY_GROUP_ID),
            iam_auth=reader.boolean(declared.NEPTUNE_IAM_AUTH),
            loader_role_arn=reader.optional_text(declared.LOADER_ROLE_ARN),
            poll=poll,
            max_resubmits=reader.integer(declared.MAX_RESUBMITS),
            start_queue_full_retries=reader.integer(declared.START_QUEUE_FULL_RETRIES),
            workflow_timeout_seconds=reader.integer(declared.WORKFLOW_TIMEOUT),
            log_retention_days=reader.choice(declared.LOG_RETENTION),
            alarm_topic_arn=reader.optional_text(declared.ALARM_TOPIC_ARN),
            source_estimates=reader.boolean(declared.SOURCE_ESTIMATES),
            source_buckets=reader.optional_id_list(declared.SOURCE_BUCKETS),
        )
        if settings.source_estimates and not settings.source_buckets:
            raise SettingsError(
                "context key 'sourceEstimates' is true but 'sourceBuckets' is empty: name the S3 "
                "buckets your loads read from (the status Lambda gets read-only access to them "
                "only), e.g. -c sourceBuckets=my-bucket,other-bucket"
            )
        # Every poll run (the first and each resubmission) may take its longest; the named Fail
        # must fire before the execution's own timeout.
        longest_run = longest_poll_run_seconds(
            poll.max_total_wait_seconds,
            poll.status_max_wait_seconds,
            poll.max_checks,
            settings.start_queue_full_retries,
        )
        needed = (1 + settings.max_resubmits) * longest_run
        if settings.workflow_timeout_seconds <= needed:
            raise SettingsError(
                "context key 'workflowTimeoutSeconds' must exceed (1 + 'maxResubmits') x "
                "('pollMaxTotalWaitSeconds' + 'statusMaxWaitSeconds' + 'pollMaxChecks' x "
                f"{CHECK_TASK_ALLOWANCE_SECONDS} s + {START_TASK_ALLOWANCE_SECONDS} s + the waits "
                f"of 'startQueueFullRetries') = {needed} s, "
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

    def text(self, declaration: declared.Text) -> str:
        key, value = declaration.key, self._raw(declaration.key)
        if not isinstance(value, str) or not declaration.pattern.fullmatch(value.strip()):
            raise SettingsError(
                f"context key '{key}' must be {declaration.expected}, got {value!r}"
            )
        return value.strip()

    def optional_text(self, declaration: declared.Text) -> str | None:
        value = self._context.get(declaration.key)
        if value is None or value == "":
            return None
        return self.text(declaration)

    def id_list(self, declaration: declared.IdList) -> tuple[str, ...]:
        key, expected = declaration.key, declaration.expected
        value = self._raw(key)
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise SettingsError(f"context key '{key}' must be a non-empty list of {expected}")
        cleaned = tuple(str(item).strip() for item in items)
        bad = [item for item in cleaned if not declaration.pattern.fullmatch(item)]
        if bad or len(set(cleaned)) != len(cleaned):
            raise SettingsError(
                f"context key '{key}' must be a list of distinct {expected}, got {value!r}"
            )
        return cleaned

    def optional_id_list(self, declaration: declared.IdList) -> tuple[str, ...]:
        value = self._context.get(declaration.key)
        if value is None or value in ("", []):
            return ()
        return self.id_list(declaration)

    def integer(self, declaration: declared.Integer) -> int:
        return self._number(declaration.key, declaration.default, declaration.low, declaration.high)

    def _number(self, key: str, default: int, low: int, high: int) -> int:
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

    def boolean(self, declaration: declared.Flag) -> bool:
        key = declaration.key

        def parse(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise SettingsError(f"context key '{key}' must be true or false, got {value!r}")

        return self._parsed(key, declaration.default, parse)

    def choice(self, declaration: declared.Choice) -> int:
        key, allowed = declaration.key, declaration.choices
        number = self._number(key, declaration.default, min(allowed), max(allowed))
        if number not in allowed:
            raise SettingsError(f"context key '{key}' must be one of {allowed}, got {number}")
        return number
