"""Settings parsing: the shipped example is valid; every bad value fails naming its key."""

from __future__ import annotations

from typing import Any

import pytest

from app import cdk_json_context as example_context
from infrastructure.settings import Settings, SettingsError


def test_example_settings_parse_into_typed_values() -> None:
    # Given the cdk.json example / When parsed
    settings = Settings.from_context(example_context())
    # Then
    assert settings.neptune_endpoint_url.startswith("https://")
    assert settings.neptune_endpoint_url.endswith(":8182")
    assert settings.subnet_ids == ("subnet-0123456789abcdef0", "subnet-0fedcba9876543210")
    assert settings.iam_auth is True
    assert settings.alarm_topic_arn is None


def test_command_line_strings_are_accepted() -> None:
    # Given -c overrides, which arrive as strings
    context = example_context() | {
        "neptunePort": "8183",
        "neptuneIamAuth": "false",
        "subnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    }
    settings = Settings.from_context(context)
    assert (settings.neptune_port, settings.iam_auth) == (8183, False)
    assert len(settings.subnet_ids) == 2


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("neptuneEndpoint", None),
        ("neptuneEndpoint", "https://host:8182"),
        ("neptunePort", "eighty"),
        ("neptunePort", 70000),
        ("neptuneClusterResourceId", "my-cluster"),
        ("vpcId", "vpc-1"),
        ("subnetIds", []),
        ("subnetIds", ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"]),
        ("neptuneSecurityGroupId", None),
        ("neptuneIamAuth", "yes"),
        ("loaderRoleArn", "NeptuneLoadFromS3"),
        ("pollMaxChecks", 0),
        ("pollMaxChecks", True),
        ("maxResubmits", -1),
        ("logRetentionDays", 31),
        ("alarmTopicArn", "topic"),
    ],
)
def test_bad_setting_fails_naming_the_key(key: str, value: Any) -> None:
    context = example_context() | {key: value}
    with pytest.raises(SettingsError, match=f"'{key}'"):
        Settings.from_context(context)


def test_workflow_timeout_must_outlast_the_poll_loop() -> None:
    context = example_context() | {"pollMaxTotalWaitSeconds": 7200, "workflowTimeoutSeconds": 3600}
    with pytest.raises(SettingsError, match="workflowTimeoutSeconds"):
        Settings.from_context(context)


def test_min_wait_must_not_exceed_max_wait() -> None:
    context = example_context() | {"statusMinWaitSeconds": 600, "statusMaxWaitSeconds": 300}
    with pytest.raises(SettingsError, match="statusMinWaitSeconds"):
        Settings.from_context(context)
