"""Fixtures of the reliability suite: the emulator, both handlers with the deployed environment, one
synthesized app shared by the security checks and the end-to-end faults, and the outcome ledger."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    ACCESS_KEY_ID,
    LEDGER,
    LEDGER_ENV,
    REPO_ROOT,
    ROLE_ARN,
    SAMPLES,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    FakeContext,
    Measured,
    SynthesizedApp,
    measure,
)

from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from loader_status import handler as status_module
from start_loader import handler as start_module


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the ledger to report.py (only when it asked for it through the environment)."""
    target = os.environ.get(LEDGER_ENV)
    if target:
        LEDGER.write(Path(target))


@pytest.fixture
def emulator() -> Iterator[NeptuneLoaderEmulator]:
    emu = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=ManualClock(start=1_700_000_000.0), records_per_second=10.0
    )
    with emu.serve(host="127.0.0.1", port=0):
        yield emu


def reset_handler_caches() -> None:
    """Forget cached settings and clients so the next invocation reads the environment again."""
    for module in (status_module, start_module):
        for cached in ("_settings", "_api", "_client"):
            if hasattr(module, cached):
                getattr(module, cached).cache_clear()


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
        return measure(lambda: status_module.handler(event, FakeContext()))  # type: ignore[arg-type]

    return invoke


@pytest.fixture
def invoke_start(lambda_env: None) -> Callable[[Any], dict[str, Any]]:
    """Invoke the start handler once."""
    context = FakeContext(function_name="loader-start")
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
    app, stack = build_app(App(outdir=str(outdir), context=context))
    app.synth()
    template = json.loads((outdir / f"{stack.artifact_id}.template.json").read_text())
    return SynthesizedApp(outdir, template)
