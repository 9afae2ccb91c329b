"""Settings parsing: the shipped example is valid; every bad value fails naming its key."""

from __future__ import annotations

from typing import Any

import pytest

from app import cdk_json_context as example_context
from infrastructure.poll_limits import (
    CHECK_TASK_ALLOWANCE_SECONDS,
    MAX_FLOOR_WAIT_SECONDS,
    START_TASK_ALLOWANCE_SECONDS,
    queue_full_wait_seconds,
)
from infrastructure.setting_declarations import START_QUEUE_FULL_RETRIES
from infrastructure.settings import Settings, SettingsError


def test_example_settings_parse_into_typed_values() -> None:
    # Given the cdk.json example / When parsed
    settings = Settings.from_context(example_context())
    # Then
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


def test_workflow_timeout_must_outlast_every_resubmitted_poll_run() -> None:
    # Given two poll runs (one resubmission) of up to 2 h of waits + one 300 s wait, 100 checks'
    # task time and a start each
    base = example_context() | {
        "pollMaxTotalWaitSeconds": 7200,
        "statusMaxWaitSeconds": 300,
        "pollMaxChecks": 100,
    }
    run = (
        7200
        + 300
        + 100 * CHECK_TASK_ALLOWANCE_SECONDS
        + START_TASK_ALLOWANCE_SECONDS
        + queue_full_wait_seconds(START_QUEUE_FULL_RETRIES.default)
    )
    with pytest.raises(SettingsError, match="workflowTimeoutSeconds"):
        Settings.from_context(base | {"maxResubmits": 1, "workflowTimeoutSeconds": 2 * run})
    enough = base | {"maxResubmits": 1, "workflowTimeoutSeconds": 2 * run + 1}
    assert Settings.from_context(enough).max_resubmits == 1
    # When a second resubmission is allowed, the same timeout no longer covers the loop
    with pytest.raises(SettingsError, match="maxResubmits"):
        Settings.from_context(enough | {"maxResubmits": 2})


def test_min_wait_must_not_exceed_max_wait() -> None:
    context = example_context() | {"statusMinWaitSeconds": 600, "statusMaxWaitSeconds": 300}
    with pytest.raises(SettingsError, match="statusMinWaitSeconds"):
        Settings.from_context(context)


def test_check_budget_must_cover_the_total_wait() -> None:
    # Given 10 checks: 8 waits of at most an hour after the first cannot cover 9 hours
    context = example_context() | {"pollMaxChecks": 10, "pollMaxTotalWaitSeconds": 9 * 3600}
    with pytest.raises(SettingsError, match="'pollMaxChecks' and 'pollMaxTotalWaitSeconds'"):
        Settings.from_context(context)
    # ... but they can cover 8 hours and the first wait
    fits = example_context() | {"pollMaxChecks": 10, "pollMaxTotalWaitSeconds": 8 * 3600 + 30}
    assert Settings.from_context(fits).poll.max_checks == 10


def test_shipped_defaults_fit_a_24_hour_load_with_margin(context: dict[str, Any]) -> None:
    # Given the settings shipped in cdk.json
    settings = Settings.from_context(context)
    # Then a 24-hour load, 10% late and 30 min queued, ends well inside the loop's wait bound,
    # and the execution timeout outlasts the loop
    assert settings.poll.max_total_wait_seconds >= 1.25 * (1.1 * 24 * 3600 + 1800)
    assert settings.workflow_timeout_seconds > (1 + settings.max_resubmits) * (
        settings.poll.max_total_wait_seconds
        + settings.poll.status_max_wait_seconds
        + settings.poll.max_checks * CHECK_TASK_ALLOWANCE_SECONDS
        + START_TASK_ALLOWANCE_SECONDS
        + queue_full_wait_seconds(settings.start_queue_full_retries)
    )


def test_the_floor_wait_bound_agrees_with_the_status_lambdas_policy() -> None:
    from neptune_loader.wait_policy import WaitPolicy

    assert WaitPolicy().max_floor_wait == MAX_FLOOR_WAIT_SECONDS


def test_account_and_region_come_from_the_context_or_the_cdk_environment() -> None:
    cli = {"CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "us-east-1"}
    settings = Settings.from_context(example_context(), environment=cli)
    assert (settings.account, settings.region) == ("123456789012", "us-east-1")
    assert (Settings.from_context(example_context()).region, settings.stack_name) == (
        None,
        "NeptuneBulkLoad",
    )
    # The CLI's default region is checked against the endpoint like a configured one
    with pytest.raises(
        SettingsError, match=r"in us-east-1 .* eu-west-1 \(from CDK_DEFAULT_REGION\)"
    ):
        Settings.from_context(example_context(), environment={"CDK_DEFAULT_REGION": "eu-west-1"})


def test_endpoint_region_is_read_from_neptune_host_names_only() -> None:
    from infrastructure.settings import endpoint_region

    assert endpoint_region("c.cluster-ro-abc.ap-southeast-2.neptune.amazonaws.com") == (
        "ap-southeast-2"
    )
    assert endpoint_region("graph.internal.example.com") is None
    # An endpoint that names no region is not checked
    custom = example_context() | {"neptuneEndpoint": "graph.internal", "region": "eu-west-1"}
    assert Settings.from_context(custom).region == "eu-west-1"


def test_public_endpoint_needs_iam_auth_and_no_network_settings() -> None:
    public = {"neptunePublicEndpoint": "true"}
    with pytest.raises(SettingsError, match="public endpoints require IAM authentication"):
        Settings.from_context(example_context() | public | {"neptuneIamAuth": "false"})
    minimal = {
        key: value
        for key, value in example_context().items()
        if key not in ("vpcId", "subnetIds", "neptuneSecurityGroupId")
    }
    settings = Settings.from_context(minimal | public)
    assert (settings.vpc_id, settings.subnet_ids, settings.neptune_security_group_id) == (
        None,
        None,
        None,
    )
    with pytest.raises(SettingsError, match="missing required context key 'vpcId'"):
        Settings.from_context(minimal)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage", "dev_1"),
        ("stackName", "1stack"),
        ("account", "12345"),
        ("region", "Europe"),
        ("kmsKeyArn", "alias/logs"),
        ("stateMachineName", "has space"),
        ("tags", '{"aws:owner": "me"}'),
        ("tags", "team=graph"),
        ("tags", '{"team": 3}'),
        ("subnetIds", '["subnet-0123456789abcdef0"'),
        ("createAlarmTopic", "maybe"),
    ],
)
def test_bad_deployment_setting_fails_naming_the_key(key: str, value: Any) -> None:
    with pytest.raises(SettingsError, match=f"'{key}'"):
        Settings.from_context(example_context() | {key: value})


def test_alarm_topic_is_yours_or_the_stacks_not_both() -> None:
    both = {
        "alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
        "createAlarmTopic": "true",
    }
    with pytest.raises(SettingsError, match="'alarmTopicArn' and 'createAlarmTopic'"):
        Settings.from_context(example_context() | both)


def test_kms_key_must_be_in_the_stacks_region() -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
    # Given the example cluster in us-east-1 and a key in eu-west-1
    with pytest.raises(SettingsError, match=r"'kmsKeyArn' is a key in eu-west-1 .* us-east-1"):
        Settings.from_context(example_context() | {"kmsKeyArn": key})
    same = key.replace("eu-west-1", "us-east-1")
    assert Settings.from_context(example_context() | {"kmsKeyArn": same}).kms_key_arn == same


def test_source_estimates_are_off_by_default_and_need_their_buckets() -> None:
    assert Settings.from_context(example_context()).source_estimates is False
    with pytest.raises(SettingsError, match="'sourceEstimates' is true but 'sourceBuckets'"):
        Settings.from_context({**example_context(), "sourceEstimates": "true"})
    settings = Settings.from_context(
        {
            **example_context(),
            "sourceEstimates": "true",
            "sourceBuckets": "data-a,data-b",
            "sourcePrefixListId": "pl-63a5400a",
        }
    )
    assert settings.source_buckets == ("data-a", "data-b")
    assert settings.source_prefix_list_id == "pl-63a5400a"
    with pytest.raises(SettingsError, match="sourceBuckets"):
        Settings.from_context({**example_context(), "sourceBuckets": ["Not_A_Bucket"]})


def test_source_estimates_in_a_vpc_need_the_s3_prefix_list() -> None:
    sources = {"sourceEstimates": "true", "sourceBuckets": "data-a"}
    # In the cluster's VPC the status function reaches S3 through the gateway endpoint only
    with pytest.raises(
        SettingsError,
        match=r"'sourcePrefixListId' is required .* `aws ec2 describe-managed-prefix-lists "
        r"--filters Name=prefix-list-name,Values=com\.amazonaws\.us-east-1\.s3",
    ):
        Settings.from_context(example_context() | sources)
    with pytest.raises(SettingsError, match="'sourcePrefixListId' must be like 'pl-"):
        Settings.from_context(example_context() | sources | {"sourcePrefixListId": "s3"})
    # Through a public endpoint there is no VPC: nothing to name
    public = {
        key: value
        for key, value in example_context().items()
        if key not in ("vpcId", "subnetIds", "neptuneSecurityGroupId")
    } | {"neptunePublicEndpoint": "true"}
    assert Settings.from_context(public | sources).source_prefix_list_id is None
