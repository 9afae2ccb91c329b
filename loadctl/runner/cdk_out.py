"""The synthesized workflow as the runner needs it: the definition and the functions it invokes.

Reading ``cdk.out`` is :mod:`infrastructure.definition`'s job (stdlib only, no jsii); this module
only turns what it finds into :class:`~loadctl.runner.lambda_worker.LambdaFunctionSpec`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrastructure.definition import (
    DefinitionError,
    Machine,
    find_functions,
    load_template,
    placeholder_arns,
    resolve_definition,
)
from loadctl.runner.lambda_worker import LambdaFunctionSpec

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SynthesizedWorkflow:
    """A state machine definition as plain JSON and the Lambda functions it references."""

    definition: dict[str, Any]
    functions: list[LambdaFunctionSpec]


def load_synthesized_workflow(cdk_out: Path, machine: Machine = "load") -> SynthesizedWorkflow:
    """The single-load (or ``"batch"``) state machine in the cloud assembly ``cdk_out`` with
    placeholder Lambda ARNs, and the asset folder, handler and environment of each function it
    invokes."""
    template = load_template(cdk_out)
    functions = find_functions(template)
    arns = placeholder_arns(functions)
    specs = []
    for role, info in functions.items():
        if (role == "batch") != (machine == "batch"):
            continue
        if not info.asset_path:
            raise DefinitionError(f"{info.logical_id} has no aws:asset:path metadata")
        specs.append(
            LambdaFunctionSpec(
                arn=arns[role],
                handler=info.handler,
                asset_dir=cdk_out / info.asset_path,
                environment=info.environment,
                timeout_seconds=float(info.timeout_seconds),
                memory_mb=info.memory_mb,
            )
        )
    return SynthesizedWorkflow(resolve_definition(template, arns, machine=machine), specs)


def synthesize(
    out_dir: Path, context: Mapping[str, str] | None = None, *, timeout_seconds: float = 300
) -> Path:
    """Run ``cdk synth`` (the pinned CLI, offline) into ``out_dir`` with ``-c KEY=VALUE`` overrides.

    For runs that need other bounds than ``cdk.json`` sets (the timeout demo, tests/e2e) while
    still executing the definition the CDK app really synthesizes. Returns ``out_dir``.

    Raises
    ------
    RuntimeError
        If synth fails; the message carries the CLI's output.
    """
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(out_dir)]
    for key, value in (context or {}).items():
        command += ["-c", f"{key}={value}"]
    env = dict(
        os.environ,
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="1",
    )
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return out_dir
