"""Shared by the test tiers that run the Lambdas in-process (lambdas/, reliability/, cli/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loader_status import handler as status_module
from start_loader import handler as start_module

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "samples"


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from a Lambda context (the deployed 15 s timeout)."""

    function_name: str = "loader-status"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:loader-status"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    remaining_millis: int = 15_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def reset_handler_caches() -> None:
    """Forget cached settings and clients so the next invocation reads the environment again."""
    for module in (status_module, start_module):
        for cached in ("_settings", "_checker", "_client", "_reader"):
            if hasattr(module, cached):
                getattr(module, cached).cache_clear()
