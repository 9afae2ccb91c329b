"""One synth per session (bounds lowered through CDK context so the timeout branch is quick)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from loadctl.runner.cdk_out import SynthesizedWorkflow, load_synthesized_workflow

REPO_ROOT = Path(__file__).resolve().parents[2]
# The total-wait bound for tests: ~6 checks at the 300 s maximum wait instead of ~290.
TEST_CONTEXT = {"pollMaxTotalWaitSeconds": "1800", "pollMaxConsecutiveRetries": "4"}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedWorkflow:
    """The app synthesized into a temporary cdk.out with the test bounds."""
    out = tmp_path_factory.mktemp("cdk.out")
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(out)]
    for key, value in TEST_CONTEXT.items():
        command += ["-c", f"{key}={value}"]
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=180)
    return load_synthesized_workflow(out)
