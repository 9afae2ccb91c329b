#!/usr/bin/env python3
"""CDK app entry point: the one place that reads context, builds settings and registers cdk-nag."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

PROJECT_ROOT = Path(__file__).resolve().parent
CDK_JSON = PROJECT_ROOT / "cdk.json"
# The CDK app shares the Lambdas' declared defaults (lambdas/neptune_loader/defaults.py); lambdas/
# is the Lambda asset root, not a package of this project, so it goes on the path here, once.
if str(PROJECT_ROOT / "lambdas") not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT / "lambdas"))

from infrastructure.setting_declarations import CONTEXT_KEYS  # noqa: E402 - needs the path above
from infrastructure.settings import Settings, SettingsError  # noqa: E402
from infrastructure.stacks.bulk_load_stack import BulkLoadStack  # noqa: E402


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` of ``cdk.json``: what ``cdk synth`` passes to the app (for tests, tools)."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["context"])


def build_app(app: App | None = None) -> tuple[App, BulkLoadStack]:
    """Create the app (or use ``app``), its one stack, and register the AwsSolutions checks."""
    app = app or App()
    context = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS}
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
