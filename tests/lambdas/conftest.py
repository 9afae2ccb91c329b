"""The status and start Lambdas, run in-process against the Neptune loader emulator over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from loader_status import handler as status_module
from start_loader import handler as start_module
from tests.lambda_harness import reset_handler_caches

if TYPE_CHECKING:
    from loadctl.emulator import NeptuneLoaderEmulator


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
    reset_handler_caches()


@pytest.fixture
def check_status(lambda_env: None, lambda_context: Any) -> Callable[..., dict[str, Any]]:
    def invoke(load_id: str, **options: Any) -> dict[str, Any]:
        return status_module.handler({"loadId": load_id, **options}, lambda_context)

    return invoke


@pytest.fixture
def start(lambda_env: None, lambda_context: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda request: start_module.handler(request, lambda_context)
