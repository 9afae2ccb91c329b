"""Several deployments from one app, and settings errors as one line instead of a traceback.

The app is run the way the CDK CLI runs it: ``python app.py`` with the context in
``CDK_CONTEXT_JSON`` and the output folder in ``CDK_OUTDIR``; one test goes through the real
``cdk synth`` with ``-c`` values as a user types them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infrastructure.context_reader import SettingsError
from infrastructure.deployments import deployment_contexts

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EU_ENDPOINT = "prod.cluster-abcdefghijkl.eu-west-1.neptune.amazonaws.com"


def _run_app(
    context: dict[str, Any], outdir: Path, cli_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CDK_DEFAULT_", "CDK_CONTEXT"))
    }
    env |= {"CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)} | (cli_env or {})
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Settings error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_two_deployments_synthesize_two_correctly_named_stacks(
    context: dict[str, Any], tmp_path: Path
) -> None:
    # Given shared settings (cdk.json) and two deployments: dev inherits them, prod overrides the
    # cluster, its region and its name
    deployments = {
        "dev": {},
        "prod": {"neptuneEndpoint": EU_ENDPOINT, "region": "eu-west-1", "stackName": "GraphLoads"},
    }
    # When the app runs as `cdk synth` runs it
    result = _run_app(context | {"deployments": deployments}, tmp_path)
    # Then there are two stacks, each named after its deployment, each in its region
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stacks = {
        name: artifact
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert set(stacks) == {"NeptuneBulkLoad-dev", "GraphLoads"}
    assert stacks["NeptuneBulkLoad-dev"]["environment"] == "aws://unknown-account/unknown-region"
    assert stacks["GraphLoads"]["environment"] == "aws://unknown-account/eu-west-1"
    prod = json.loads((tmp_path / "GraphLoads.template.json").read_text())
    variables = [
        resource["Properties"]["Environment"]["Variables"]
        for resource in prod["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]
    assert {v["NEPTUNE_ENDPOINT"] for v in variables} == {f"https://{EU_ENDPOINT}:8182"}
    # A stack whose region is known was checked at synth: no deploy-time region rule
    assert "ClusterRegion" not in prod.get("Rules", {})
    # Each deployment's metrics go to a namespace of its own, so dashboards do not mix them
    assert {v["POWERTOOLS_METRICS_NAMESPACE"] for v in variables} == {"GraphLoads"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"neptuneIAMAuth": "false"},
            "Settings error: unknown context key 'neptuneIAMAuth': did you mean 'neptuneIamAuth'?",
        ),
        (
            {"region": "eu-west-1"},
            "Settings error: context key 'neptuneEndpoint' is a cluster in us-east-1 but the "
            "stack's region is eu-west-1 (from context key 'region'): set 'region' to us-east-1 "
            "or use that region's endpoint",
        ),
        (
            {"sourceEstimates": "true", "sourceBuckets": "my-bucket"},
            "Settings error: context key 'sourcePrefixListId' is required with 'sourceEstimates' "
            "in a VPC: the status Lambda reaches S3 through the VPC's S3 gateway endpoint, "
            "allowed by HTTPS egress to the region's S3 prefix list; find its id with `aws ec2 "
            "describe-managed-prefix-lists --filters "
            "Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3`",
        ),
        (
            {"pollMaxChecks": "6000"},
            "Settings error: context key 'pollMaxChecks' must be between 3 and 5000, got 6000",
        ),
        (
            {"deployments": {"prod": {"maxResubmit": 2}}},
            "Settings error: unknown context key 'maxResubmit' in deployment 'prod': did you mean "
            "'maxResubmits'?",
        ),
        (
            {"deployments": {"prod": {"neptuneEndpoint": EU_ENDPOINT, "region": "us-east-1"}}},
            "Settings error: deployment 'prod': context key 'neptuneEndpoint' is a cluster in "
            "eu-west-1 but the stack's region is us-east-1 (from context key 'region'): set "
            "'region' to eu-west-1 or use that region's endpoint",
        ),
    ],
)
def test_a_bad_setting_is_one_line_not_a_traceback(
    context: dict[str, Any], tmp_path: Path, overrides: dict[str, Any], expected: str
) -> None:
    result = _run_app(context | overrides, tmp_path)
    assert _one_error_line(result) == expected


def test_the_readmes_example_error_is_the_apps(context: dict[str, Any], tmp_path: Path) -> None:
    # Given the README's region example / When the app runs with it
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "$ npx --no-install cdk synth -c region=eu-west-1\n" in readme
    line = _one_error_line(_run_app(context | {"region": "eu-west-1"}, tmp_path))
    # Then the README shows the line the app prints
    assert f"\n{line}\n" in readme


def test_make_synths_command_with_two_deployments_gives_two_stacks(tmp_path: Path) -> None:
    # Given `make synth`'s command, with a deployments map added on the command line
    deployments = json.dumps({"dev": {}, "prod": {"maxResubmits": 0}})
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(tmp_path)]
    result = subprocess.run(
        [*command, "-c", f"deployments={deployments}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    # Then two templates, named after their stages
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.glob("*.template.json")) == [
        "NeptuneBulkLoad-dev.template.json",
        "NeptuneBulkLoad-prod.template.json",
    ]


def test_the_issues_example_through_the_real_cdk_synth(tmp_path: Path) -> None:
    # Given the values the issue reported as a traceback, typed on the command line
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(tmp_path)]
    command += ["-c", "pollMaxChecks=600", "-c", "workflowTimeoutSeconds=400000"]
    # When
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    # Then one line says which settings to change
    line = _one_error_line(result)
    assert line.startswith("Settings error: context keys 'pollMaxChecks' (600) and 'maxResubmits'")
    assert "history events" in line
    assert "lower pollMaxChecks or maxResubmits" in line
    assert "max_checks" not in line  # the context keys only, never the constructs' props


def test_list_values_from_the_command_line_as_json_or_comma_separated(
    context: dict[str, Any], tmp_path: Path
) -> None:
    # Given subnets as the CLI passes -c 'subnetIds=["..."]' (a string holding JSON)
    overrides = {"subnetIds": '["subnet-0123456789abcdef0"]', "tags": '{"team": "graph"}'}
    result = _run_app(context | overrides, tmp_path)
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "NeptuneBulkLoad.template.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert {tuple(f["Properties"]["VpcConfig"]["SubnetIds"]) for f in functions} == {
        ("subnet-0123456789abcdef0",)
    }
    assert all({"Key": "team", "Value": "graph"} in f["Properties"]["Tags"] for f in functions)


def test_the_cli_environment_pins_account_and_region(
    context: dict[str, Any], tmp_path: Path
) -> None:
    # Given a CLI with credentials: it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION
    cli_env = {"CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "us-east-1"}
    # When the app runs (cdk-nag included)
    result = _run_app(context, tmp_path, cli_env)
    # Then the stack is for that account and region, and its IAM grant names them
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["artifacts"]["NeptuneBulkLoad"]["environment"] == (
        "aws://123456789012/us-east-1"
    )
    template = (tmp_path / "NeptuneBulkLoad.template.json").read_text()
    cluster = context["neptuneClusterResourceId"]
    assert f'"arn:aws:neptune-db:us-east-1:123456789012:{cluster}/*"' in template
    assert "ClusterRegion" not in template


def test_stage_alone_names_the_stack_and_picks_a_deployment(context: dict[str, Any]) -> None:
    assert deployment_contexts(context | {"stage": "dev"})[0]["stage"] == "dev"
    two = context | {"deployments": json.dumps({"dev": {}, "prod": {"maxResubmits": 2}})}
    assert [c["stage"] for c in deployment_contexts(two)] == ["dev", "prod"]
    (prod,) = deployment_contexts(two | {"stage": "prod"})
    assert (prod["stage"], prod["maxResubmits"]) == ("prod", 2)
    with pytest.raises(SettingsError, match="'test', which names no deployment"):
        deployment_contexts(two | {"stage": "test"})


@pytest.mark.parametrize(
    ("key", "nearest"),
    [
        ("neptune_endpoint", "neptuneEndpoint"),
        ("NeptuneEndpoint", "neptuneEndpoint"),
        ("poll-max-checks", "pollMaxChecks"),
        ("POLL_MAX_TOTAL_WAIT_SECONDS", "pollMaxTotalWaitSeconds"),
    ],
)
def test_a_key_in_another_spelling_is_refused_naming_ours(
    context: dict[str, Any], key: str, nearest: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        deployment_contexts(context | {key: "1"})
    assert str(raised.value) == f"unknown context key '{key}': did you mean '{nearest}'?"
    # In a deployment entry too, where no CDK key belongs either
    with pytest.raises(SettingsError, match=f"'{key}' in deployment 'dev': did you mean"):
        deployment_contexts(context | {"deployments": {"dev": {key: "1"}}})
    with pytest.raises(SettingsError, match="'aws:cdk:x' in deployment 'dev'"):
        deployment_contexts(context | {"deployments": {"dev": {"aws:cdk:x": "1"}}})
    with pytest.raises(SettingsError, match=r"^unknown context key 'zzz' \(known keys: stage, "):
        deployment_contexts(context | {"zzz": "1"})


def test_cdk_keys_are_left_alone_and_entries_may_not_rename_their_stage(
    context: dict[str, Any],
) -> None:
    # Given keys the CDK itself puts in the context
    # (printed from app.node.get_all_context() in a real `cdk synth`: feature flags from cdk.json,
    # `aws:cdk:...` from the CLI; lookups cached in cdk.context.json; the two plain keys the CLI
    # writes there itself: `cdk acknowledge` and `cdk cli-telemetry --disable`)
    cdk_keys = {
        "@aws-cdk/core:enablePartitionLiterals": True,
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:bundling-stacks": ["**"],
        "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a"],
        "acknowledged-issue-numbers": [32775],
        "cli-telemetry": False,
    }
    assert len(deployment_contexts(context | cdk_keys)) == 1
    with pytest.raises(SettingsError, match="the stage is the entry's name"):
        deployment_contexts(context | {"deployments": {"dev": {"stage": "prod"}}})
    with pytest.raises(SettingsError, match="stage name 'dev_1'"):
        deployment_contexts(context | {"deployments": {"dev_1": {}}})


def test_the_app_needs_no_lambda_modules_on_its_path(context: dict[str, Any]) -> None:
    # Given the app as the CDK CLI runs it (no PYTHONPATH), building its stacks
    script = (
        "import json, sys\n"
        "from aws_cdk import App\n"
        "from app import build_app\n"
        f"build_app(App(context=json.loads({json.dumps(json.dumps(context))})))\n"
        "lambda_packages = {'neptune_loader', 'loader_status', 'start_loader', 'batch_loader'}\n"
        "print(json.dumps({'path': 'lambdas' in {p.rsplit('/', 1)[-1] for p in sys.path},\n"
        "    'imported': sorted({m.split('.')[0] for m in sys.modules} & lambda_packages)}))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    # Then lambdas/ is not on its path and no Lambda module is imported (lambda_code reads the
    # few facts it needs by path)
    assert json.loads(result.stdout.splitlines()[-1]) == {"path": False, "imported": []}
