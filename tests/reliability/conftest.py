"""Fixtures of the reliability suite: the emulator, both handlers with the deployed environment, one
synthesized app shared by the security checks and the end-to-end faults, and the outcome ledger."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from reliability_support import (
    ACCESS_KEY_ID,
    LEDGER,
    LEDGER_ENV,
    ROLE_ARN,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Measured,
    SynthesizedApp,
    measure,
)

from loader_status import handler as status_module
from start_loader import handler as start_module
from tests.lambda_harness import REPO_ROOT, FakeLambdaContext, reset_handler_caches

if TYPE_CHECKING:
    from loadctl.emulator import NeptuneLoaderEmulator


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the ledger to report.py (only when it asked for it through the environment)."""
    target = os.environ.get(LEDGER_ENV)
    if target:
        LEDGER.write(Path(target))


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch, emulator: NeptuneLoaderEmulator) -> None:
    """The environment the stack gives the functions (SigV4 on), pointed at the emulator."""
    env = {
        "NEPTUNE_ENDPOINT": emulator.endpoint,
        "NEPTUNE_IAM_AUTH": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "LOADER_IAM_ROLE_ARN": ROLE_ARN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_handler_caches()
    yield
    reset_handler_caches()


StatusInvoker = Callable[..., Measured]


@pytest.fixture
def invoke_status(lambda_env: None) -> StatusInvoker:
    """Invoke the status handler once, timed, sized and checked against the contract."""

    def invoke(load_id: str, **options: Any) -> Measured:
        event = {"loadId": load_id, **options}
        return measure(lambda: status_module.handler(event, FakeLambdaContext()))  # type: ignore[arg-type]

    return invoke


@pytest.fixture
def invoke_start(lambda_env: None) -> Callable[[Any], dict[str, Any]]:
    """Invoke the start handler once."""
    context = FakeLambdaContext(function_name="loader-start")
    return lambda event: start_module.handler(event, context)  # type: ignore[arg-type]


# --- the synthesized app, shared by the template checks and the end-to-end faults ---------------


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Synthesize the app with the context in cdk.json (offline, in-process) once per session."""
    from aws_cdk import App

    from app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    # What the CLI adds: the asset paths the local runner reads from the template.
    context["aws:cdk:enable-asset-metadata"] = True
    app, (stack,) = build_app(App(outdir=str(outdir), context=context))
    app.synth()
    template = json.loads((outdir / f"{stack.artifact_id}.template.json").read_text())
    return SynthesizedApp(outdir, template)
