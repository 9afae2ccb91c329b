"""cdk-nag (AwsSolutions, v3 validation plugin) and cfn-lint on the synthesized app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from app import build_app
from infrastructure.constructs.house_lambda import dependency_layer

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")

if TYPE_CHECKING:
    from infrastructure.stacks.bulk_load_stack import BulkLoadStack


def test_real_app_runs_cdk_nag_on_synth(
    context: dict[str, Any], synthesized: tuple[BulkLoadStack, Path]
) -> None:
    # Given the real app (same outdir: staged assets are reused) plus one unacknowledged finding
    _, outdir = synthesized
    app, (stack,) = build_app(App(context=context, outdir=str(outdir)))
    stack.status_function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::some-bucket/*"])
    )
    # When / Then: build_app registered AwsSolutions, so synth refuses the new finding only
    with pytest.raises(Exception, match=r"some-bucket"):
        app.synth()


def test_acknowledgements_are_recorded_on_the_narrowest_constructs(
    synthesized: tuple[BulkLoadStack, Path],
) -> None:
    stack, outdir = synthesized
    metadata = (outdir / f"{stack.stack_name}.metadata.json").read_text()
    # Each finding is acknowledged by its full id, never a bare rule id for the whole stack.
    stack_metadata = json.loads(metadata).get(f"/{stack.stack_name}", [])
    assert not any("AwsSolutions" in json.dumps(entry) for entry in stack_metadata)
    assert "AwsSolutions-IAM5[Resource::*]" in metadata


def test_cdk_nag_fails_synth_on_an_unacknowledged_finding(tmp_path: Path) -> None:
    # Given a wildcard policy nobody acknowledged
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Wildcard")
    iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")).add_to_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    # When / Then
    with pytest.raises(Exception, match=r"AwsSolutions-IAM5\[Resource::\*\]"):
        app.synth()


def test_cfn_lint_passes_on_the_synthesized_template(template_path: Path) -> None:
    result = subprocess.run(
        [CFN_LINT, "--ignore-checks", "W3005", "--", str(template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_synth_without_the_layer_says_how_to_build_it(tmp_path: Path) -> None:
    stack = Stack(App(), "NoLayer")
    with pytest.raises(FileNotFoundError, match=r"make synth.*make install"):
        dependency_layer(stack, "Layer", layer_dir=tmp_path)
