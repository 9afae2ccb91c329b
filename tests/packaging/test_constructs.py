"""The user-facing constructs: one cluster wires every function; the layer is bundled by pip."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from infrastructure import (
    BATCH_FAIL_ERRORS,
    BatchWorkflow,
    BulkLoadWorkflow,
    NeptuneBatchFunction,
    NeptuneClusterRef,
    NeptuneStartFunction,
    NeptuneStatusFunction,
)
from infrastructure.constructs import house_lambda
from infrastructure.constructs.house_lambda import RUNTIME
from infrastructure.constructs.layer_bundling import (
    PIP_PLATFORM,
    PYTHON_VERSION,
    PipLocalBundling,
    pip_command,
)

CLUSTER = {
    "endpoint": "my-cluster.cluster-abcdefghijkl.us-east-1.neptune.amazonaws.com",
    "cluster_resource_id": "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0"],
    "security_group_id": "sg-0123456789abcdef0",
}


def scratch_stack() -> Stack:
    # No bundling at synth: these tests look at the wiring, not at the layer's content.
    return Stack(App(context={"aws:cdk:bundling-stacks": []}), "Scratch")


def test_status_and_start_functions_share_one_cluster_wiring_and_one_layer() -> None:
    stack = scratch_stack()
    cluster = NeptuneClusterRef(stack, "Cluster", **CLUSTER)
    status = NeptuneStatusFunction(stack, "Status", cluster=cluster)
    start = NeptuneStartFunction(
        stack,
        "Start",
        cluster=cluster,
        loader_role_arn="arn:aws:iam::123456789012:role/NeptuneLoadFromS3",
    )
    BulkLoadWorkflow(stack, "Workflow", start_function=start, status_function=status)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroup", 1)
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 1)
    template.resource_count_is("AWS::Lambda::LayerVersion", 1)
    template.resource_count_is("AWS::StepFunctions::StateMachine", 1)
    functions = template.find_resources("AWS::Lambda::Function")
    environments = {
        props["Properties"]["Handler"]: props["Properties"]["Environment"]["Variables"]
        for props in functions.values()
    }
    endpoint = f"https://{CLUSTER['endpoint']}:8182"
    assert {env["NEPTUNE_ENDPOINT"] for env in environments.values()} == {endpoint}
    assert "LOADER_IAM_ROLE_ARN" in environments["start_loader.handler.handler"]
    assert "LOADER_IAM_ROLE_ARN" not in environments["loader_status.handler.handler"]


def test_the_batch_function_is_wired_like_the_start_function_and_drives_its_workflow() -> None:
    stack = scratch_stack()
    cluster = NeptuneClusterRef(stack, "Cluster", **CLUSTER)
    batch = NeptuneBatchFunction(stack, "Batch", cluster=cluster, max_resubmits=2)
    BatchWorkflow(stack, "BatchWorkflow", batch_function=batch)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroup", 1)
    [function] = template.find_resources("AWS::Lambda::Function").values()
    properties = function["Properties"]
    assert properties["Handler"] == "batch_loader.handler.handler"
    assert properties["Timeout"] == 120
    environment = properties["Environment"]["Variables"]
    assert environment["NEPTUNE_ENDPOINT"] == f"https://{CLUSTER['endpoint']}:8182"
    assert environment["MAX_RESUBMITS"] == "2"
    assert "LOADER_IAM_ROLE_ARN" not in environment
    actions = sorted(
        action
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("neptune-db:")
    )
    assert actions == [
        "neptune-db:GetLoaderJobStatus",
        "neptune-db:ListLoaderJobs",
        "neptune-db:StartLoaderJob",
    ]
    [machine] = template.find_resources("AWS::StepFunctions::StateMachine").values()
    # The definition's text around the function's ARN (a Fn::Join of strings and references).
    text = "".join(
        p for p in machine["Properties"]["DefinitionString"]["Fn::Join"][1] if isinstance(p, str)
    )
    assert all(f'"Error":"{error}"' in text for error in BATCH_FAIL_ERRORS)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("endpoint", "https://my-cluster.example.com:8182"),
        ("cluster_resource_id", "db-ABCDEFGHIJKLMN"),
        ("vpc_id", "my-vpc"),
        ("subnet_ids", ["subnet-0123456789abcdef0", "sn-1"]),
        ("security_group_id", "0123456789abcdef0"),
    ],
)
def test_a_malformed_cluster_value_is_refused_naming_the_prop(prop: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^{prop} must be"):
        NeptuneClusterRef(scratch_stack(), "Cluster", **(CLUSTER | {prop: value}))


def test_the_layer_is_installed_for_the_lambda_platform() -> None:
    command = pip_command(Path("req.txt"), Path("out"))
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    joined = " ".join(command)
    for option in (
        "--platform manylinux2014_aarch64",
        "--python-version 3.13",
        "--implementation cp",
        "--only-binary=:all:",
        "--target out",
        "-r req.txt",
    ):
        assert option in joined


def test_a_failed_layer_install_says_how_to_bundle_offline(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("no-such-package-for-this-test==1.0\n")
    bundling = PipLocalBundling(requirements, ["--no-index", "--find-links", str(tmp_path)])
    with pytest.raises(RuntimeError, match=r"PIP_NO_INDEX=1 PIP_FIND_LINKS=.*layer=") as raised:
        bundling.try_bundle(str(tmp_path / "out"))
    assert "no-such-package-for-this-test" in str(raised.value)


def test_source_reads_in_a_vpc_need_the_s3_prefix_list_and_only_the_status_function_gets_it() -> (
    None
):
    # Without the prefix list the status function could not reach S3: refused, naming the prop
    stack = scratch_stack()
    cluster = NeptuneClusterRef(stack, "Cluster", **CLUSTER)
    with pytest.raises(ValueError, match=r"^s3_prefix_list_id is required .*describe-managed-"):
        NeptuneStatusFunction(stack, "Status", cluster=cluster, source_buckets=["my-bucket"])
    with pytest.raises(ValueError, match=r"^s3_prefix_list_id must be like"):
        NeptuneStatusFunction(
            stack, "Status2", cluster=cluster, source_buckets=["b"], s3_prefix_list_id="s3"
        )
    # With it, HTTPS to the prefix list on a group of the status function's own
    stack = scratch_stack()
    cluster = NeptuneClusterRef(stack, "Cluster", **CLUSTER)
    NeptuneStatusFunction(
        stack,
        "Status",
        cluster=cluster,
        source_buckets=["my-bucket"],
        s3_prefix_list_id="pl-63a5400a",
    )
    NeptuneStartFunction(stack, "Start", cluster=cluster)
    template = Template.from_stack(stack)
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    [s3_group] = [
        logical_id
        for logical_id, group in groups.items()
        if group["Properties"]["SecurityGroupEgress"]
        == [
            {
                "Description": "S3 (source estimates) through the VPC's S3 gateway endpoint",
                "DestinationPrefixListId": "pl-63a5400a",
                "FromPort": 443,
                "IpProtocol": "tcp",
                "ToPort": 443,
            }
        ]
    ]
    group_ids = {
        props["Properties"]["Handler"]: [
            ref["Fn::GetAtt"][0] for ref in props["Properties"]["VpcConfig"]["SecurityGroupIds"]
        ]
        for props in template.find_resources("AWS::Lambda::Function").values()
    }
    [neptune_group] = set(groups) - {s3_group}
    assert group_ids == {
        "loader_status.handler.handler": [neptune_group, s3_group],
        "start_loader.handler.handler": [neptune_group],
    }


def test_a_public_endpoint_cluster_has_no_network_part_and_needs_iam_auth() -> None:
    stack = scratch_stack()
    public = {key: CLUSTER[key] for key in ("endpoint", "cluster_resource_id")}
    cluster = NeptuneClusterRef(stack, "Cluster", **public, public_endpoint=True)
    # Outside a VPC the function reaches S3 directly: no prefix list to name
    NeptuneStatusFunction(stack, "Status", cluster=cluster, source_buckets=["my-bucket"])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroup", 0)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    assert "VpcConfig" not in function["Properties"]
    with pytest.raises(ValueError, match="public_endpoint needs iam_auth"):
        NeptuneClusterRef(scratch_stack(), "C", **public, public_endpoint=True, iam_auth=False)
    with pytest.raises(ValueError, match="leave out vpc_id"):
        NeptuneClusterRef(scratch_stack(), "C", **CLUSTER, public_endpoint=True)
    with pytest.raises(ValueError, match="required unless public_endpoint"):
        NeptuneClusterRef(scratch_stack(), "C", **public)


def test_a_security_group_managed_elsewhere_is_left_untouched_and_its_rule_is_output() -> None:
    stack = scratch_stack()
    NeptuneClusterRef(stack, "Cluster", **CLUSTER, add_ingress_rule=False)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
    rule = str(template.find_outputs("NeptuneIngressRule"))
    assert "authorize-security-group-ingress" in rule
    assert CLUSTER["security_group_id"] in rule


def test_the_makefiles_layer_is_built_for_the_functions_runtime_and_platform() -> None:
    # The Makefile prebuilds this repository's layer; house_lambda decides the runtime
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    variables = dict(re.findall(r"^(LAMBDA_\w+) := (\S+)$", makefile, flags=re.MULTILINE))
    assert f"python{variables['LAMBDA_PYTHON']}" == RUNTIME.name
    assert variables["LAMBDA_PYTHON"] == PYTHON_VERSION
    assert variables["LAMBDA_PLATFORM"] == PIP_PLATFORM


def test_the_runtime_acknowledgement_names_the_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another runtime than today's
    monkeypatch.setattr(house_lambda, "RUNTIME", lambda_.Runtime.PYTHON_3_12)
    stack = scratch_stack()
    layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "Layer", "arn:aws:lambda:us-east-1:123456789012:layer:deps:1"
    )
    (tmp_path / "handler.py").write_text("def handler(event, context): ...\n")
    shared = house_lambda.SharedFunctionProps(
        layer=layer,
        vpc=None,
        subnets=[],
        security_group=None,
        metrics_namespace="Test",
        log_retention=logs.RetentionDays.ONE_DAY,
    )
    house = house_lambda.HouseLambda(
        stack,
        "Function",
        shared=shared,
        handler="handler.handler",
        description="test",
        environment={},
        service_name="test",
        timeout=Duration.seconds(3),
        asset_dir=tmp_path,
    )
    # Then cdk-nag's L1 acknowledgement names it
    reasons = [
        entry.data
        for entry in house.function.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
    ]
    text = json.dumps(reasons)
    assert "AwsSolutions-L1" in text
    assert "python3.12" in text
    assert "python3.13" not in text


@pytest.mark.parametrize("function", [NeptuneStartFunction, NeptuneBatchFunction])
def test_a_malformed_loader_role_is_refused_naming_the_prop(function: type) -> None:
    stack = scratch_stack()
    cluster = NeptuneClusterRef(stack, "Cluster", **CLUSTER)
    with pytest.raises(ValueError, match=r"^loader_role_arn must be"):
        function(stack, "Function", cluster=cluster, loader_role_arn="NeptuneLoadFromS3")
