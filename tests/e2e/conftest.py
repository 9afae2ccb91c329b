"""One synth per session (bounds lowered through CDK context so the timeout branch is quick)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadctl.runner.cdk_out import SynthesizedWorkflow, load_synthesized_workflow, synthesize

# The total-wait bound for tests: ~6 checks at the 300 s maximum wait instead of ~290.
TEST_CONTEXT = {"pollMaxTotalWaitSeconds": "1800", "pollMaxConsecutiveRetries": "4"}


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app synthesized into a temporary cdk.out with the test bounds."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"), TEST_CONTEXT)


@pytest.fixture(scope="session")
def synthesized(cdk_out: Path) -> SynthesizedWorkflow:
    """The single-load workflow of that synth."""
    return load_synthesized_workflow(cdk_out)


@pytest.fixture(scope="session")
def synthesized_batch(cdk_out: Path) -> SynthesizedWorkflow:
    """The batch workflow of that synth."""
    return load_synthesized_workflow(cdk_out, "batch")
