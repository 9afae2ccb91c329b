"""The optional deployment features, each in its own deployment of one synthesized app.

``public``: a cluster reached through its public endpoint (no VPC, no security group);
``managed``: the cluster's security group is managed elsewhere (no ingress rule, an output says
which to add); ``secure``: KMS key, state machine name, a topic of the stack's own, tags;
``topic``: a topic of the stack's own without a KMS key; ``sources``: source estimates in a
stack pinned to a region (cdk-nag then sees literal ARNs: ``arn:aws:...``); ``public`` reads
sources too, with no network part to add.
cdk-nag runs on all of them (a finding nobody acknowledged fails this synth).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Capture, Match, Template

from app import build_app
from infrastructure.definition import find_functions

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
TAGS = {"team": "graph", "cost-centre": "42"}
SOURCE_BUCKET = "my-bucket"
SOURCES = {"sourceEstimates": True, "sourceBuckets": [SOURCE_BUCKET]}
S3_PREFIX_LIST = "pl-63a5400a"  # us-east-1's com.amazonaws.us-east-1.s3


@pytest.fixture(scope="module")
def variants_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="module")
def manifest_metadata(variants: dict[str, Template], variants_outdir: Path) -> dict[str, Any]:
    """Each stack's metadata (annotations by construct path) from the cloud assembly."""
    manifest = json.loads((variants_outdir / "manifest.json").read_text())
    return {
        name: json.loads((variants_outdir / f"{name}.metadata.json").read_text())
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


@pytest.fixture(scope="module")
def variants(variants_outdir: Path, context: dict[str, Any]) -> dict[str, Template]:
    shared = {
        key: value
        for key, value in context.items()
        if key not in ("vpcId", "subnetIds", "neptuneSecurityGroupId")
    }
    network = {key: context[key] for key in ("vpcId", "subnetIds", "neptuneSecurityGroupId")}
    deployments = {
        "public": {"neptunePublicEndpoint": True} | SOURCES,
        "managed": network | {"addNeptuneIngressRule": False},
        "secure": network
        | {
            "kmsKeyArn": KEY_ARN,
            "stateMachineName": "graph-loads",
            "createAlarmTopic": True,
            "tags": TAGS,
        },
        "topic": network | {"createAlarmTopic": True},
        "sources": network
        | SOURCES
        | {"region": "us-east-1", "sourcePrefixListId": S3_PREFIX_LIST},
    }
    outdir = variants_outdir
    app, stacks = build_app(
        App(context=shared | {"deployments": deployments}, outdir=str(outdir)), environment={}
    )
    app.synth()
    return {
        stack.stack_name.removeprefix("NeptuneBulkLoad-"): Template.from_json(
            json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
        )
        for stack in stacks
    }


def test_public_endpoint_mode_has_no_vpc_and_no_security_group(
    variants: dict[str, Template],
) -> None:
    template = variants["public"]
    for resource_type in (
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
    ):
        assert not template.find_resources(resource_type)
    functions = template.find_resources("AWS::Lambda::Function")
    assert functions
    for function in functions.values():
        assert "VpcConfig" not in function["Properties"]
        assert function["Properties"]["Environment"]["Variables"]["NEPTUNE_IAM_AUTH"] == "true"
    # Without a VPC the functions need no ENI policy
    roles = json.dumps(template.find_resources("AWS::IAM::Role"))
    assert "AWSLambdaVPCAccessExecutionRole" not in roles
    assert "AWSLambdaBasicExecutionRole" in roles


def test_a_security_group_managed_elsewhere_is_left_untouched_and_the_rule_is_output(
    variants: dict[str, Template], context: dict[str, Any], manifest_metadata: dict[str, Any]
) -> None:
    template = variants["managed"]
    assert not template.find_resources("AWS::EC2::SecurityGroupIngress")
    group = Capture()
    template.has_output(
        "NeptuneIngressRule",
        {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "aws ec2 authorize-security-group-ingress --group-id "
                        f"{context['neptuneSecurityGroupId']} --protocol tcp --port 8182 "
                        "--source-group ",
                        {"Fn::GetAtt": [group, "GroupId"]},
                    ],
                ]
            }
        },
    )
    # The source is the functions' own group, whose only egress is the Neptune port
    lambda_groups = template.find_resources("AWS::EC2::SecurityGroup")
    assert list(lambda_groups) == [group.as_string()]
    # Synth says so too (an info annotation, printed by `cdk synth`)
    infos = [
        entry["data"]
        for entries in manifest_metadata["NeptuneBulkLoad-managed"].values()
        for entry in entries
        if entry["type"] == "aws:cdk:info"
    ]
    assert any(
        "sg-0123456789abcdef0 is managed elsewhere and was left untouched" in info
        and "aws ec2 authorize-security-group-ingress" in info
        for info in infos
    ), infos
    # The other deployments output no such rule
    for name in ("public", "secure"):
        assert "NeptuneIngressRule" not in variants[name].to_json().get("Outputs", {})


def test_kms_key_encrypts_every_log_group_and_the_stacks_alarm_topic(
    variants: dict[str, Template],
) -> None:
    template = variants["secure"]
    log_groups = template.find_resources("AWS::Logs::LogGroup")
    assert len(log_groups) >= 3  # both functions and the state machine
    for group in log_groups.values():
        assert group["Properties"]["KmsKeyId"] == KEY_ARN
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": KEY_ARN})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    topic = Capture()
    template.has_output("AlarmTopicArn", {"Value": {"Ref": topic}})
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic.as_string()}]
    # Without the key the topic is not encrypted (cdk-nag's SNS2 acknowledged), still TLS-only
    unencrypted = variants["topic"]
    (topic_resource,) = unencrypted.find_resources("AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" not in topic_resource["Properties"]
    assert "aws:SecureTransport" in json.dumps(unencrypted.find_resources("AWS::SNS::TopicPolicy"))
    unencrypted.has_output("AlarmTopicArn", {"Value": {"Ref": Match.any_value()}})
    # Without the key the log groups keep CloudWatch Logs' own encryption
    for group in variants["public"].find_resources("AWS::Logs::LogGroup").values():
        assert "KmsKeyId" not in group["Properties"]


def test_state_machine_name_and_tags_apply(variants: dict[str, Template]) -> None:
    template = variants["secure"]
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": "graph-loads",
            "Tags": Match.array_with([{"Key": "team", "Value": "graph"}]),
        },
    )
    expected = [{"Key": key, "Value": value} for key, value in sorted(TAGS.items())]
    for resource_type in ("AWS::Lambda::Function", "AWS::IAM::Role", "AWS::SNS::Topic"):
        for resource in template.find_resources(resource_type).values():
            tags = resource["Properties"]["Tags"]
            assert all(tag in tags for tag in expected), (resource_type, tags)
    assert "StateMachineName" not in json.dumps(
        variants["public"].find_resources("AWS::StepFunctions::StateMachine")
    )


def test_only_the_status_function_may_reach_s3_through_the_prefix_list(
    variants: dict[str, Template],
) -> None:
    template = variants["sources"]
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    # The group's only rule: HTTPS to the region's S3 prefix list (no allow-all added)
    [s3_group] = [
        logical_id
        for logical_id, group in groups.items()
        if [
            {key: value for key, value in rule.items() if key != "Description"}
            for rule in group["Properties"]["SecurityGroupEgress"]
        ]
        == [
            {
                "DestinationPrefixListId": S3_PREFIX_LIST,
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
            }
        ]
    ]
    functions = find_functions(template.to_json())
    resources = template.to_json()["Resources"]

    def groups_of(role: str) -> set[str]:
        config = resources[functions[role].logical_id]["Properties"]["VpcConfig"]
        return {ref["Fn::GetAtt"][0] for ref in config["SecurityGroupIds"]}

    assert s3_group in groups_of("status")
    assert len(groups_of("status")) == 2  # the shared Neptune-port group too
    for role in ("start", "batch"):
        assert s3_group not in groups_of(role)
    # A public-endpoint stack reads its sources without any network part
    assert not variants["public"].find_resources("AWS::EC2::SecurityGroup")


def test_cfn_lint_passes_on_every_variant(variants: dict[str, Template], tmp_path: Path) -> None:
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    for name, template in variants.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(template.to_json()))
        result = subprocess.run(
            [cfn_lint, "--ignore-checks", "W3005", "--", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, (name, result.stdout + result.stderr)
