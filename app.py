#!/usr/bin/env python3
"""CDK app entry point: the one place that reads context, builds settings and registers cdk-nag."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infrastructure.settings import Settings, SettingsError
from infrastructure.stacks.bulk_load_stack import BulkLoadStack

SETTINGS_KEYS = (
    "neptuneEndpoint",
    "neptunePort",
    "neptuneClusterResourceId",
    "vpcId",
    "subnetIds",
    "neptuneSecurityGroupId",
    "neptuneIamAuth",
    "loaderRoleArn",
    "pollInitialWaitSeconds",
    "pollMaxChecks",
    "pollMaxTotalWaitSeconds",
    "pollMaxConsecutiveRetries",
    "statusMinWaitSeconds",
    "statusMaxWaitSeconds",
    "statusMaxErrorsFetched",
    "maxResubmits",
    "workflowTimeoutSeconds",
    "logRetentionDays",
    "alarmTopicArn",
)


CDK_JSON = Path(__file__).resolve().parent / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` of ``cdk.json``: what ``cdk synth`` passes to the app (for tests, tools)."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["context"])


def build_app(app: App | None = None) -> tuple[App, BulkLoadStack]:
    """Create the app (or use ``app``), its one stack, and register the AwsSolutions checks."""
    app = app or App()
    context = {key: app.node.try_get_context(key) for key in SETTINGS_KEYS}
    settings = Settings.from_context(context)
    stack = BulkLoadStack(
        app,
        "NeptuneBulkLoad",
        settings=settings,
        description="Runs and watches Amazon Neptune bulk loads from AWS Step Functions",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> None:
    """Synthesize; a settings problem exits with its message instead of a traceback."""
    try:
        app, _ = build_app()
    except (SettingsError, FileNotFoundError) as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
