"""Each setting is declared once: the README's table, cdk.json and every default agree with it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from app import cdk_json_context
from infrastructure import setting_declarations as declared
from infrastructure.settings import PollSettings, Settings
from neptune_loader.exceptions import ConfigurationError
from neptune_loader.settings import Settings as LambdaSettings
from neptune_loader.settings import load_settings
from neptune_loader.wait_policy import WaitPolicy

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "README.md"
TABLE_HEADER = "| key | default | allowed | meaning |"


def _row(declaration: declared.Declaration) -> str:
    """The README row a declaration documents itself with."""
    match declaration:
        case declared.Integer(default=default, low=low, high=high):
            default_text, allowed = str(default), f"{low} to {high}"
        case declared.Choice(default=default, choices=choices):
            default_text, allowed = str(default), ", ".join(str(days) for days in choices)
        case declared.Flag(default=default):
            default_text, allowed = str(default).lower(), "true, false"
        case declared.Text(optional=optional, expected=expected, unless=unless):
            default_text, allowed = ("none" if optional else _required(unless)), expected
        case declared.IdList(expected=expected, optional=optional, unless=unless):
            default_text = "none" if optional else _required(unless)
            allowed = f"a list of {expected}"
        case declared.TagMap(expected=expected):
            default_text, allowed = "none", expected
    return f"| `{declaration.key}` | {default_text} | {allowed} | {declaration.doc} |"


def _required(unless: str | None) -> str:
    return f"required unless `{unless}`" if unless else "required"


def _readme_table() -> list[str]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(TABLE_HEADER) + 2  # header and separator
    end = lines.index("", start)
    return lines[start:end]


def test_readme_settings_table_is_the_declarations() -> None:
    assert _readme_table() == [_row(declaration) for declaration in declared.DECLARATIONS]


def test_cdk_json_sets_only_declared_keys_without_a_default(context: dict[str, Any]) -> None:
    settings_keys = {key for key in cdk_json_context() if not key.startswith("@")}
    assert settings_keys <= set(declared.CONTEXT_KEYS)
    assert not settings_keys & set(declared.DEFAULTS)
    # Every required key is there, so the shipped file synthesizes as it is.
    required = {
        declaration.key
        for declaration in declared.DECLARATIONS
        if isinstance(declaration, declared.IdList | declared.Text) and not declaration.optional
    }
    assert required <= settings_keys


def test_unset_keys_take_the_declared_defaults(context: dict[str, Any]) -> None:
    # Given the shipped context, which sets no key that has a default / When parsed
    settings = Settings.from_context(context)
    # Then each value is the declaration's default, and so are the dataclasses' own defaults
    assert settings.neptune_port == declared.NEPTUNE_PORT.default
    assert settings.iam_auth is declared.NEPTUNE_IAM_AUTH.default
    assert settings.max_resubmits == declared.MAX_RESUBMITS.default
    assert settings.workflow_timeout_seconds == declared.WORKFLOW_TIMEOUT.default
    assert settings.log_retention_days == declared.LOG_RETENTION.default
    assert settings.alarm_topic_arn is None
    assert settings.poll == PollSettings(
        initial_wait_seconds=declared.POLL_INITIAL_WAIT.default,
        max_checks=declared.POLL_MAX_CHECKS.default,
        max_total_wait_seconds=declared.POLL_MAX_TOTAL_WAIT.default,
        max_consecutive_retries=declared.POLL_MAX_CONSECUTIVE_RETRIES.default,
        status_min_wait_seconds=declared.STATUS_MIN_WAIT.default,
        status_max_wait_seconds=declared.STATUS_MAX_WAIT.default,
        status_max_errors_fetched=declared.STATUS_MAX_ERRORS_FETCHED.default,
        status_tolerated_record_errors=declared.STATUS_TOLERATED_RECORD_ERRORS.default,
        status_tolerated_errors_per_million=declared.STATUS_TOLERATED_ERRORS_PER_MILLION.default,
    )
    assert settings.poll == PollSettings()


def test_the_lambdas_fall_back_to_the_declared_status_defaults() -> None:
    # Given an environment that sets none of the status variables
    lambda_settings = load_settings(
        {"NEPTUNE_ENDPOINT": "https://host:8182", "AWS_REGION": "us-east-1"}
    )
    # Then the Lambdas use what the stack would have set by default
    expected = (
        declared.STATUS_MIN_WAIT.default,
        declared.STATUS_MAX_WAIT.default,
        declared.STATUS_MAX_ERRORS_FETCHED.default,
    )
    assert (
        lambda_settings.min_wait_seconds,
        lambda_settings.max_wait_seconds,
        lambda_settings.max_errors_fetched,
    ) == expected
    # Record-error tolerance: nothing tolerated unless a deployment or an execution says so.
    assert (
        lambda_settings.error_tolerance.max_record_errors,
        lambda_settings.error_tolerance.max_error_share,
    ) == (
        declared.STATUS_TOLERATED_RECORD_ERRORS.default,
        declared.STATUS_TOLERATED_ERRORS_PER_MILLION.default / 1_000_000,
    )
    assert not lambda_settings.error_tolerance.enabled
    defaults = {field.name: field.default for field in fields(LambdaSettings)}
    assert (
        defaults["min_wait_seconds"],
        defaults["max_wait_seconds"],
        defaults["max_errors_fetched"],
    ) == expected
    assert (WaitPolicy().min_wait, WaitPolicy().max_wait) == expected[:2]


def test_the_command_line_reads_the_declared_defaults_outside_pytest() -> None:
    # Given a plain interpreter (no pytest pythonpath: lambdas/ is not on sys.path)
    # When the command line builds its parser, whose defaults are the declared poll bounds
    result = subprocess.run(
        [sys.executable, "-m", "loadctl", "watch", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it finds the Lambdas' defaults that the declarations import
    assert result.returncode == 0, result.stderr


def test_readme_lists_every_environment_variable_the_lambdas_read() -> None:
    # Every name read through an environment mapping (env.get, os.environ.get, _bool(env, ...))
    read = set()
    for path in (PROJECT_ROOT / "lambdas").rglob("*.py"):
        read |= set(
            re.findall(
                r'(?:\benv(?:iron)?\.get\(|\(\s*env,)\s*"([A-Z][A-Z0-9_]+)"',
                path.read_text(encoding="utf-8"),
            )
        )
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("The Lambdas read their settings from the environment") :]
    paragraph = paragraph[: paragraph.index("\n\n")]
    assert {"SOURCE_ESTIMATES", "MAX_RESUBMITS", "NEPTUNE_ENDPOINT"} <= read
    missing = {
        name for name in read if f"`{name}`" not in paragraph and not name.startswith("POWERTOOLS_")
    }
    assert not missing, f"README's environment list lacks {sorted(missing)}"


# The Lambdas' variable for each context key the stack passes on (neptune_functions.py).
LAMBDA_VARIABLES = {
    declared.STATUS_MIN_WAIT: "STATUS_MIN_WAIT_SECONDS",
    declared.STATUS_MAX_WAIT: "STATUS_MAX_WAIT_SECONDS",
    declared.STATUS_MAX_ERRORS_FETCHED: "STATUS_MAX_ERRORS_FETCHED",
    declared.STATUS_TOLERATED_RECORD_ERRORS: "STATUS_TOLERATED_RECORD_ERRORS",
    declared.STATUS_TOLERATED_ERRORS_PER_MILLION: "STATUS_TOLERATED_ERRORS_PER_MILLION",
    declared.MAX_RESUBMITS: "MAX_RESUBMITS",  # the batch controller's
}


@pytest.mark.parametrize(
    ("declaration", "variable"), LAMBDA_VARIABLES.items(), ids=LAMBDA_VARIABLES.values()
)
def test_the_lambda_accepts_exactly_the_declared_range(
    declaration: declared.Integer, variable: str
) -> None:
    # The other wait at its widest, so the minimum never exceeds the maximum.
    widest = {
        "STATUS_MIN_WAIT_SECONDS": str(declared.STATUS_MIN_WAIT.low),
        "STATUS_MAX_WAIT_SECONDS": str(declared.STATUS_MAX_WAIT.high),
    }
    env = {"NEPTUNE_ENDPOINT": "https://host:8182", "AWS_REGION": "us-east-1", **widest}

    def lambda_settings(value: int) -> LambdaSettings:
        return load_settings({**env, variable: str(value)})

    # Given the range the stack accepts for the context key: the Lambda takes both ends
    lambda_settings(declaration.low)
    lambda_settings(declaration.high)
    # And refuses a value just outside, naming the variable
    for outside in (declaration.low - 1, declaration.high + 1):
        with pytest.raises(ConfigurationError, match=f"^{variable} must be from"):
            lambda_settings(outside)


def test_the_handlers_and_the_stack_share_the_default_metrics_namespace() -> None:
    from infrastructure.constructs.neptune_functions import METRICS_NAMESPACE
    from infrastructure.lambda_code import lambda_defaults
    from infrastructure.settings import DEFAULT_STACK_NAME

    # Given a plain interpreter whose environment names no namespace
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_METRICS_NAMESPACE"}
    handlers = ("loader_status.handler", "start_loader.handler", "batch_loader.handler")
    script = "; ".join([f"import {name}; print({name}.metrics.namespace)" for name in handlers])
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT / "lambdas",
        env={**env, "AWS_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=False,
    )
    # Then each handler falls back to the declared namespace, which the stack uses too
    assert result.returncode == 0, result.stderr
    declared_namespace = lambda_defaults.DEFAULT_METRICS_NAMESPACE
    assert result.stdout.split() == [declared_namespace] * len(handlers)
    # (the default stack is named after it: its functions' namespace is the stack's name)
    assert METRICS_NAMESPACE == DEFAULT_STACK_NAME == declared_namespace
