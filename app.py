#!/usr/bin/env python3
"""CDK app entry point: the one place that reads context, builds settings and registers cdk-nag.

One stack per deployment (infrastructure/deployments.py). A settings problem ends the app with
one line, ``Settings error: ...``, and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

# The Lambdas' facts the CDK side needs are read by path (infrastructure/lambda_code.py): lambdas/
# is the Lambda asset root and never goes on this app's path.
from infrastructure.deployments import deployment_contexts
from infrastructure.settings import Settings, SettingsError
from infrastructure.stacks.bulk_load_stack import BulkLoadStack

PROJECT_ROOT = Path(__file__).resolve().parent
CDK_JSON = PROJECT_ROOT / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` of ``cdk.json``: what ``cdk synth`` passes to the app (for tests, tools)."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["context"])


def build_app(
    app: App | None = None, *, environment: Mapping[str, str] | None = None
) -> tuple[App, tuple[BulkLoadStack, ...]]:
    """Create the app (or use ``app``), one stack per deployment, and register the AwsSolutions
    checks.

    ``environment`` (default ``os.environ``) supplies ``CDK_DEFAULT_ACCOUNT``/``REGION`` where
    the context names no account or region.

    Raises
    ------
    SettingsError
        For a bad setting; a deployment's message starts with its stage.
    """
    app = app or App()
    environment = os.environ if environment is None else environment
    stacks: list[BulkLoadStack] = []
    for context in deployment_contexts(app.node.get_all_context()):
        try:
            settings = Settings.from_context(context, environment=environment)
        except SettingsError as error:
            stage = context.get("stage")
            raise SettingsError(f"deployment '{stage}': {error}" if stage else str(error)) from None
        if any(stack.stack_name == settings.stack_name for stack in stacks):
            raise SettingsError(f"two deployments would both be stack '{settings.stack_name}'")
        stacks.append(
            BulkLoadStack(
                app,
                settings.stack_name,
                settings=settings,
                env=Environment(account=settings.account, region=settings.region),
                description="Runs and watches Amazon Neptune bulk loads from AWS Step Functions",
            )
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, tuple(stacks)


def main() -> None:
    """Synthesize; a settings problem exits with one line instead of a traceback."""
    try:
        app, _ = build_app()
    except (SettingsError, ValueError) as error:
        # ValueError: a construct refusing its arguments (e.g. the history-event limit).
        sys.exit(f"Settings error: {error}")
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
