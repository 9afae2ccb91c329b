"""The Lambdas' settings, read from the environment once and checked, with errors naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from neptune_loader import defaults
from neptune_loader.defaults import (
    STATUS_MAX_ERRORS_FETCHED,
    STATUS_MAX_WAIT_SECONDS,
    STATUS_MIN_WAIT_SECONDS,
)
from neptune_loader.exceptions import ConfigurationError
from neptune_loader.resumability import NO_TOLERANCE, ErrorTolerance

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Typed settings shared by both Lambdas and the command line."""

    endpoint: str
    region: str
    iam_auth: bool = True
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    max_attempts: int = 2
    min_wait_seconds: int = STATUS_MIN_WAIT_SECONDS
    max_wait_seconds: int = STATUS_MAX_WAIT_SECONDS
    max_errors_fetched: int = STATUS_MAX_ERRORS_FETCHED
    loader_role_arn: str | None = None
    error_tolerance: ErrorTolerance = NO_TOLERANCE
    # Read each load's source in S3 once for its expected records (neptune_loader.source_sample).
    source_estimates: bool = False
    # Resubmissions with mode RESUME (the batch controller's; the workflow counts its own).
    max_resubmits: int = defaults.MAX_RESUBMITS


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be from {low:g} to {high:g}, got {raw}")
    return value


def _endpoint(env: Mapping[str, str]) -> str:
    raw = (env.get("NEPTUNE_ENDPOINT") or "").strip()
    if not raw:
        raise ConfigurationError(
            "NEPTUNE_ENDPOINT is not set: use the cluster endpoint as scheme://host:port, "
            "e.g. https://my-cluster.cluster-abc.us-east-1.neptune.amazonaws.com:8182"
        )
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"NEPTUNE_ENDPOINT must look like https://host:8182, got {raw!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigurationError(f"NEPTUNE_ENDPOINT has a malformed port: {raw!r}") from None
    return raw.rstrip("/")


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build `Settings` from an environment mapping (``os.environ`` in the Lambdas)."""
    region = (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip()
    if not region:
        raise ConfigurationError(
            "AWS_REGION is not set (the Lambda runtime sets it; set it locally)"
        )
    # The shared settings' ranges are the stack's (neptune_loader.defaults).
    waits = (defaults.STATUS_WAIT_SECONDS_LOW, defaults.STATUS_WAIT_SECONDS_HIGH)
    min_wait = int(_number(env, "STATUS_MIN_WAIT_SECONDS", STATUS_MIN_WAIT_SECONDS, *waits))
    max_wait = int(_number(env, "STATUS_MAX_WAIT_SECONDS", STATUS_MAX_WAIT_SECONDS, *waits))
    if max_wait < min_wait:
        raise ConfigurationError(
            f"STATUS_MAX_WAIT_SECONDS ({max_wait}) is below STATUS_MIN_WAIT_SECONDS ({min_wait})"
        )
    role = (env.get("LOADER_IAM_ROLE_ARN") or "").strip() or None
    return Settings(
        endpoint=_endpoint(env),
        region=region,
        iam_auth=_bool(env, "NEPTUNE_IAM_AUTH", True),
        # Bounded so that one call, retry included, stays within 8 s (see neptune_client).
        connect_timeout=_number(env, "NEPTUNE_CONNECT_TIMEOUT", 1.0, 0.1, 1.5),
        read_timeout=_number(env, "NEPTUNE_READ_TIMEOUT", 2.0, 0.1, 2.0),
        min_wait_seconds=min_wait,
        max_wait_seconds=max_wait,
        max_errors_fetched=int(
            _number(
                env,
                "STATUS_MAX_ERRORS_FETCHED",
                STATUS_MAX_ERRORS_FETCHED,
                defaults.STATUS_MAX_ERRORS_FETCHED_LOW,
                defaults.STATUS_MAX_ERRORS_FETCHED_HIGH,
            )
        ),
        loader_role_arn=role,
        error_tolerance=ErrorTolerance(
            max_record_errors=int(
                _number(
                    env,
                    "STATUS_TOLERATED_RECORD_ERRORS",
                    defaults.STATUS_TOLERATED_RECORD_ERRORS,
                    defaults.STATUS_TOLERATED_RECORD_ERRORS_LOW,
                    defaults.STATUS_TOLERATED_RECORD_ERRORS_HIGH,
                )
            ),
            max_error_share=_number(
                env,
                "STATUS_TOLERATED_ERRORS_PER_MILLION",
                defaults.STATUS_TOLERATED_ERRORS_PER_MILLION,
                defaults.STATUS_TOLERATED_ERRORS_PER_MILLION_LOW,
                defaults.STATUS_TOLERATED_ERRORS_PER_MILLION_HIGH,
            )
            / 1_000_000,
        ),
        source_estimates=_bool(env, "SOURCE_ESTIMATES", False),
        max_resubmits=int(
            _number(
                env,
                "MAX_RESUBMITS",
                defaults.MAX_RESUBMITS,
                defaults.MAX_RESUBMITS_LOW,
                defaults.MAX_RESUBMITS_HIGH,
            )
        ),
    )
