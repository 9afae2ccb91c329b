"""The functions' dependency layer, built at synth time by pip on this machine: no Docker.

CDK local bundling (:class:`aws_cdk.ILocalBundling`) runs ``pip install --platform
manylinux2014_aarch64 --only-binary=:all: --target <layer>/python`` for the pinned
``lambdas/requirements.txt``: pip picks the wheels built for the functions' runtime and
architecture, whatever this machine is. The asset hash is the requirements file's content with the
target platform, so a second synth into the same ``cdk.out`` reuses the layer without running pip.

pip reads its usual configuration: an offline machine can bundle from a folder of wheels with
``PIP_NO_INDEX=1 PIP_FIND_LINKS=/path/to/wheels`` (or ``pip_options``). This repository's own app
uses the layer ``make`` prebuilds instead (:func:`~.house_lambda.dependency_layer`), so
``make synth`` needs no network.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_

from ..lambda_code import LAMBDA_REQUIREMENTS
from .house_lambda import ARCHITECTURE, RUNTIME

if TYPE_CHECKING:
    from constructs import Construct

# pip's names for the runtime and architecture of house_lambda (the Makefile's LAMBDA_PYTHON and
# LAMBDA_PLATFORM say the same for the prebuilt layer).
PYTHON_VERSION = RUNTIME.name.removeprefix("python")
PIP_PLATFORM = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}[
    ARCHITECTURE.name
]
# Construct id of the layer a stack's functions share when none is passed in.
SHARED_LAYER_ID = "NeptuneBulkLoadDependencies"


def pip_command(requirements: Path, target: Path, pip_options: Sequence[str] = ()) -> list[str]:
    """The pip call that installs ``requirements`` for the Lambda platform into ``target``."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--platform",
        PIP_PLATFORM,
        "--only-binary=:all:",
        "--target",
        str(target),
        "-r",
        str(requirements),
        *pip_options,
    ]


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Install the requirements with pip into the asset's output folder (under ``python/``)."""

    def __init__(self, requirements: Path, pip_options: Sequence[str] = ()) -> None:
        self._requirements = requirements
        self._pip_options = tuple(pip_options)

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """Run pip; a failure raises with pip's own message (Docker is never tried instead).

        jsii passes the asset's bundling options as one positional argument; pip needs none.
        """
        command = pip_command(self._requirements, Path(output_dir) / "python", self._pip_options)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"building the Lambda dependency layer failed: {' '.join(command)}\n"
                f"{result.stderr.strip() or result.stdout.strip()}\n"
                "pip needs the package index, or PIP_NO_INDEX=1 PIP_FIND_LINKS=<folder of "
                "wheels>; or pass a prebuilt layer (layer=...)"
            )
        return True


def bundled_dependency_layer(
    scope: Construct,
    construct_id: str,
    *,
    requirements: Path = LAMBDA_REQUIREMENTS,
    pip_options: Sequence[str] = (),
) -> lambda_.LayerVersion:
    """A layer with the pinned Lambda dependencies, installed by pip at synth time."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{PYTHON_VERSION} {PIP_PLATFORM} {' '.join(pip_options)}".encode())
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(
            str(requirements.parent),
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=digest.hexdigest(),
            bundling=BundlingOptions(
                # Never started: the local bundling above always answers (or raises).
                image=DockerImage.from_registry("local-bundling-only"),
                local=PipLocalBundling(requirements, pip_options),
            ),
        ),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="Pinned boto3, botocore and Powertools for the bulk-load functions",
    )


def shared_dependency_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The one bundled layer of ``scope``'s stack, created by the first function that needs it."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(SHARED_LAYER_ID)
    if isinstance(existing, lambda_.LayerVersion):
        return existing
    return bundled_dependency_layer(stack, SHARED_LAYER_ID)
