"""One synthesized app per test session: CDK synth costs seconds, assertions cost milliseconds."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

from aws_cdk import App
from aws_cdk.assertions import Template

from app import build_app, cdk_json_context
from infrastructure.definition import resolve_definition
from infrastructure.settings import Settings

if TYPE_CHECKING:
    from infrastructure.stacks.bulk_load_stack import BulkLoadStack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATUS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:status"
START_ARN = "arn:aws:lambda:us-east-1:123456789012:function:start"


@pytest.fixture(scope="session")
def context() -> dict[str, Any]:
    """The settings shipped in cdk.json (feature flags included)."""
    return cdk_json_context()


@pytest.fixture(scope="session")
def settings(context: dict[str, Any]) -> Settings:
    return Settings.from_context(context)


@pytest.fixture(scope="session")
def synthesized(
    tmp_path_factory: pytest.TempPathFactory, context: dict[str, Any]
) -> tuple[BulkLoadStack, Path]:
    """The app as `cdk synth` builds it (cdk-nag included), synthesized into a temp folder."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, (stack,) = build_app(App(context=context, outdir=str(outdir)))
    app.synth()
    return stack, outdir


@pytest.fixture(scope="session")
def template(synthesized: tuple[BulkLoadStack, Path]) -> Template:
    stack, outdir = synthesized
    return Template.from_json(
        json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    )


@pytest.fixture(scope="session")
def template_path(synthesized: tuple[BulkLoadStack, Path]) -> Path:
    stack, outdir = synthesized
    return outdir / f"{stack.stack_name}.template.json"


@pytest.fixture(scope="session")
def definition(template: Template) -> dict[str, Any]:
    """The deployed ASL with placeholder function ARNs."""
    return resolve_definition(template.to_json(), {"status": STATUS_ARN, "start": START_ARN})
