"""The status and start Lambdas, run in-process against the Neptune loader emulator over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from loader_status import handler as status_module
from start_loader import handler as start_module

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def emulator() -> Iterator[NeptuneLoaderEmulator]:
    emu = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=ManualClock(start=1_700_000_000.0), records_per_second=10.0
    )
    with emu.serve(host="127.0.0.1", port=0):
        yield emu


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch, emulator: NeptuneLoaderEmulator) -> None:
    """The environment the CDK stack gives the functions, pointed at the emulator."""
    env = {
        "NEPTUNE_ENDPOINT": emulator.endpoint,
        "NEPTUNE_IAM_AUTH": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "LOADER_IAM_ROLE_ARN": "arn:aws:iam::123456789012:role/NeptuneLoadFromS3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for module in (status_module, start_module):
        for cached in ("_settings", "_api", "_client"):
            if hasattr(module, cached):
                getattr(module, cached).cache_clear()


@pytest.fixture
def check_status(lambda_env: None, lambda_context: Any) -> Callable[..., dict[str, Any]]:
    def invoke(load_id: str, **options: Any) -> dict[str, Any]:
        return status_module.handler({"loadId": load_id, **options}, lambda_context)

    return invoke


@pytest.fixture
def start(lambda_env: None, lambda_context: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda request: start_module.handler(request, lambda_context)
