"""Template assertions on the synthesized stack: IAM, network, functions, logs, alarms."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from infrastructure.definition import Machine, find_functions, state_machine_resource

if TYPE_CHECKING:
    from infrastructure.settings import Settings


def _cluster_arn(settings: Settings) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":neptune-db:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{settings.cluster_resource_id}/*",
            ],
        ]
    }


def _policy_statements_of_role(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    policies = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_logical_id}]}}
    )
    assert policies, f"no policy attached to {role_logical_id}"
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _role_of_function(template: Template, role: str) -> str:
    function = find_functions(template.to_json())[role]  # type: ignore[index]
    resource = template.to_json()["Resources"][function.logical_id]
    return str(resource["Properties"]["Role"]["Fn::GetAtt"][0])


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_status_function_may_only_read_loader_status_of_the_cluster(
    template: Template, settings: Settings
) -> None:
    statements = _policy_statements_of_role(template, _role_of_function(template, "status"))
    neptune = [s for s in statements if any(a.startswith("neptune-db:") for a in _actions(s))]
    assert neptune == [
        {
            "Action": "neptune-db:GetLoaderJobStatus",
            "Effect": "Allow",
            "Resource": _cluster_arn(settings),
        }
    ]
    # Only X-Ray besides Neptune; nothing else sneaks in.
    others = {a for s in statements if s not in neptune for a in _actions(s)}
    assert others == {"xray:PutTelemetryRecords", "xray:PutTraceSegments"}


def test_start_function_may_only_start_list_and_read_loads_on_the_cluster(
    template: Template, settings: Settings
) -> None:
    # Listing and reading loads (issue 11): a start whose answer was lost finds its load.
    statements = _policy_statements_of_role(template, _role_of_function(template, "start"))
    neptune = [s for s in statements if any(a.startswith("neptune-db:") for a in _actions(s))]
    assert neptune == [
        {
            "Action": [
                "neptune-db:GetLoaderJobStatus",
                "neptune-db:ListLoaderJobs",
                "neptune-db:StartLoaderJob",
            ],
            "Effect": "Allow",
            "Resource": _cluster_arn(settings),
        }
    ]


def test_batch_function_may_only_start_list_and_read_loads_on_the_cluster(
    template: Template, settings: Settings
) -> None:
    statements = _policy_statements_of_role(template, _role_of_function(template, "batch"))
    neptune = [s for s in statements if any(a.startswith("neptune-db:") for a in _actions(s))]
    assert sorted(a for s in neptune for a in _actions(s)) == [
        "neptune-db:GetLoaderJobStatus",
        "neptune-db:ListLoaderJobs",
        "neptune-db:StartLoaderJob",
    ]
    assert all(s["Resource"] == _cluster_arn(settings) for s in neptune)
    others = {a for s in statements if s not in neptune for a in _actions(s)}
    assert others == {"xray:PutTelemetryRecords", "xray:PutTraceSegments"}


@pytest.mark.parametrize(
    ("machine_kind", "roles"), [("load", {"status", "start"}), ("batch", {"batch"})]
)
def test_state_machine_may_only_invoke_its_own_functions(
    template: Template, machine_kind: Machine, roles: set[str]
) -> None:
    functions = {
        role: info for role, info in find_functions(template.to_json()).items() if role in roles
    }
    _, machine = state_machine_resource(template.to_json(), machine_kind)
    role = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = _policy_statements_of_role(template, role)
    invoke = [s for s in statements if "lambda:InvokeFunction" in _actions(s)]
    assert len(invoke) == 1
    assert _actions(invoke[0]) == ["lambda:InvokeFunction"]
    targets = {str(resource) for resource in invoke[0]["Resource"]}
    for info in functions.values():
        assert str({"Fn::GetAtt": [info.logical_id, "Arn"]}) in targets
    assert all(
        any(info.logical_id in target for info in functions.values()) for target in targets
    ), targets
    lambda_actions = {a for s in statements for a in _actions(s) if a.startswith("lambda:")}
    assert lambda_actions == {"lambda:InvokeFunction"}


def test_functions_use_the_house_defaults_and_run_in_the_vpc(
    template: Template, settings: Settings
) -> None:
    security_group = Capture()
    for handler, timeout in (
        ("loader_status.handler.handler", 15),
        ("start_loader.handler.handler", 60),
    ):
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": handler,
                "Runtime": "python3.13",
                "Architectures": ["arm64"],
                "Timeout": timeout,
                "MemorySize": Match.any_value(),
                "TracingConfig": {"Mode": "Active"},
                "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": Match.any_value()}},
                "Layers": [{"Ref": Match.string_like_regexp("^Dependencies")}],
                "VpcConfig": {
                    "SubnetIds": list(settings.subnet_ids),
                    "SecurityGroupIds": [{"Fn::GetAtt": [security_group, "GroupId"]}],
                },
            },
        )
    for info in find_functions(template.to_json()).values():
        memory = template.to_json()["Resources"][info.logical_id]["Properties"]["MemorySize"]
        assert 128 <= memory <= 256


def test_function_environment_follows_the_design(template: Template, settings: Settings) -> None:
    functions = find_functions(template.to_json())
    expected = {
        "NEPTUNE_ENDPOINT": f"https://{settings.neptune_endpoint}:{settings.neptune_port}",
        "NEPTUNE_IAM_AUTH": "true",
        "STATUS_MIN_WAIT_SECONDS": str(settings.poll.status_min_wait_seconds),
        "STATUS_MAX_WAIT_SECONDS": str(settings.poll.status_max_wait_seconds),
        "STATUS_MAX_ERRORS_FETCHED": str(settings.poll.status_max_errors_fetched),
        "STATUS_TOLERATED_RECORD_ERRORS": "0",
        "STATUS_TOLERATED_ERRORS_PER_MILLION": "0",
        "POWERTOOLS_METRICS_NAMESPACE": "NeptuneBulkLoad",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    for info in functions.values():
        assert expected.items() <= info.environment.items()
        assert info.environment["POWERTOOLS_SERVICE_NAME"]
    assert functions["start"].environment["LOADER_IAM_ROLE_ARN"] == settings.loader_role_arn
    assert "LOADER_IAM_ROLE_ARN" not in functions["status"].environment


def test_lambda_security_group_egress_reaches_only_the_neptune_port(
    template: Template, settings: Settings
) -> None:
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    assert len(groups) == 1, "only the Lambda security group is created"
    logical_id = next(iter(groups))
    # Arrays match exactly: the one Neptune rule is the group's only outbound rule.
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupEgress": [
                {
                    "Description": Match.any_value(),
                    "DestinationSecurityGroupId": settings.neptune_security_group_id,
                    "FromPort": settings.neptune_port,
                    "ToPort": settings.neptune_port,
                    "IpProtocol": "tcp",
                }
            ]
        },
    )
    assert not template.find_resources("AWS::EC2::SecurityGroupEgress")
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": settings.neptune_security_group_id,
            "SourceSecurityGroupId": {"Fn::GetAtt": [logical_id, "GroupId"]},
            "IpProtocol": "tcp",
            "FromPort": settings.neptune_port,
            "ToPort": settings.neptune_port,
        },
    )


def test_log_groups_have_the_configured_retention(template: Template, settings: Settings) -> None:
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups
    assert {g["Properties"].get("RetentionInDays") for g in groups.values()} == {
        settings.log_retention_days
    }


def test_state_machine_logs_everything_and_is_traced(template: Template) -> None:
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": [
                    {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": Match.any_value()}}}
                ],
            },
        },
    )


def test_alarms_cover_failed_and_timed_out_executions_and_lambda_errors_and_throttles(
    template: Template,
) -> None:
    for namespace, metric in (
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
    ):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": "StateMachineArn", "Value": {"Ref": Match.any_value()}}],
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
            },
        )
    for info in find_functions(template.to_json()).values():
        for metric in ("Errors", "Throttles"):
            template.has_resource_properties(
                "AWS::CloudWatch::Alarm",
                {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": info.logical_id}}],
                    "Threshold": 1,
                },
            )
    # No topic configured in the example: alarms have no actions.
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert "AlarmActions" not in alarm["Properties"]


def test_no_physical_names_are_hard_coded(template: Template) -> None:
    name_keys = ("FunctionName", "RoleName", "StateMachineName", "LogGroupName", "GroupName")
    for logical_id, resource in template.to_json()["Resources"].items():
        for key in name_keys:
            assert key not in resource.get("Properties", {}), (logical_id, key)


def _dashboard_body(template: Template) -> dict[str, Any]:
    """The dashboard's JSON body; each reference (all inside JSON strings) reads ``<LogicalId>``."""
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(part if isinstance(part, str) else f"<{part['Ref']}>" for part in parts)
    return dict(json.loads(text))


def _widget(body: dict[str, Any], title: str) -> list[list[Any]]:
    (widget,) = [w for w in body["widgets"] if w["properties"].get("title") == title]
    return list(widget["properties"]["metrics"])


def test_dashboard_shows_the_status_lambdas_metrics_by_state(template: Template) -> None:
    body = _dashboard_body(template)
    namespace, service = "NeptuneBulkLoad", "neptune-load-status"

    def series(metric: str, state: str) -> list[Any]:
        return [namespace, metric, "State", state, "service", service]

    def names(title: str) -> list[list[Any]]:
        return [entry[:6] for entry in _widget(body, title)]

    assert names("Status checks by state") == [
        series("StatusChecks", state)
        for state in ("IN_PROGRESS", "SUCCEEDED", "FAILED", "RETRY", "UNAVAILABLE")
    ]
    for title, metric in (
        ("Loads by outcome", "StatusChecks"),
        ("Records loaded", "RecordsLoaded"),
        ("Record errors", "RecordErrors"),
        ("Load duration (s, longest)", "LoadSeconds"),
    ):
        assert names(title) == [
            series(metric, state) for state in ("SUCCEEDED", "FAILED", "UNAVAILABLE")
        ], title
    assert {entry[6]["stat"] for entry in _widget(body, "Load duration (s, longest)")} == {
        "Maximum"
    }


def test_dashboard_shows_executions_by_outcome_and_the_functions(template: Template) -> None:
    body = _dashboard_body(template)
    executions = _widget(body, "Executions by outcome")
    assert [entry[:2] for entry in executions] == [
        ["AWS/States", metric]
        for metric in (
            "ExecutionsSucceeded",
            "ExecutionsFailed",
            "ExecutionsTimedOut",
            "ExecutionsAborted",
        )
    ]
    machine = next(iter(template.find_resources("AWS::StepFunctions::StateMachine")))
    assert all(entry[3] == f"<{machine}>" for entry in executions)
    function_ids = {info.logical_id for info in find_functions(template.to_json()).values()}
    for title, metric in (("Lambda errors", "Errors"), ("Lambda duration (ms, p99)", "Duration")):
        entries = _widget(body, title)
        assert {entry[1] for entry in entries} == {metric}
        assert {entry[3] for entry in entries} == {f"<{id_}>" for id_ in function_ids}


def test_dashboard_url_is_an_output_for_the_deployments_region(template: Template) -> None:
    dashboard = next(iter(template.find_resources("AWS::CloudWatch::Dashboard")))
    template.has_output(
        "DashboardUrl",
        {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": "AWS::Region"},
                        ".console.aws.amazon.com/cloudwatch/home?region=",
                        {"Ref": "AWS::Region"},
                        "#dashboards:name=",
                        {"Ref": dashboard},
                    ],
                ]
            }
        },
    )


def test_a_region_agnostic_stack_refuses_another_region_than_the_clusters_at_deploy(
    template: Template,
) -> None:
    # The shipped example names a us-east-1 endpoint and no region
    rule = template.to_json()["Rules"]["ClusterRegion"]
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert "us-east-1" in assertion["AssertDescription"]


def test_source_estimates_set_the_variable_and_read_only_access_to_the_named_buckets(
    tmp_path: Any, context: dict[str, Any]
) -> None:
    import json

    from aws_cdk import App

    from app import build_app

    # Given source estimates on for two buckets
    overrides = {
        "sourceEstimates": "true",
        "sourceBuckets": "data-a,data-b",
        "sourcePrefixListId": "pl-63a5400a",
    }
    app, (stack,) = build_app(App(context={**context, **overrides}, outdir=str(tmp_path)))
    app.synth()  # cdk-nag runs here: the wildcard on each bucket's objects is acknowledged
    template = Template.from_json(
        json.loads((tmp_path / f"{stack.stack_name}.template.json").read_text())
    )
    functions = find_functions(template.to_json())
    # Then only the status function reads the sources ...
    assert functions["status"].environment["SOURCE_ESTIMATES"] == "true"
    assert "SOURCE_ESTIMATES" not in functions["start"].environment
    role = template.to_json()["Resources"][functions["status"].logical_id]["Properties"]["Role"]
    statements = _policy_statements_of_role(template, role["Fn::GetAtt"][0])
    s3 = [s for s in statements if any(str(a).startswith("s3:") for a in _list(s["Action"]))]
    # ... listing and reading the two buckets, nothing else
    assert sorted(str(s["Action"]) for s in s3) == ["s3:GetObject", "s3:ListBucket"]
    resources = json.dumps([s["Resource"] for s in s3])
    assert "data-a" in resources
    assert "data-b" in resources
    assert "*" not in resources.replace("/*", "")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
