"""A new user's path, run for real: install the package outside the repository, run the README's
app, and check what it synthesized.

The package is installed with pip from a copy of the repository (so the build writes nothing into
the checkout) into a folder of its own (``--target``, ``--no-deps``: aws-cdk-lib and constructs
come from this virtualenv's site-packages, found through ``PYTHONPATH``). ``--no-build-isolation``
builds with this virtualenv's setuptools, so nothing is downloaded. The app is the README's code
block, copied as it is into an empty folder and run with ``python app.py`` (``CDK_OUTDIR`` set,
as ``cdk synth`` does). Its dependency layer is bundled by pip at synth time, offline, from wheels
packed from the prebuilt ``build/layer`` (:mod:`tests.packaging.wheelhouse`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from infrastructure.definition import resolve_definition
from tests.packaging.wheelhouse import pack_layer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "README.md"
LAYER_SITE = PROJECT_ROOT / "build" / "layer" / "python"
SECTION = "## Use it in your own CDK app"
# Not part of what pip builds from: tools, caches and build output of the checkout.
NOT_BUILT_FROM = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "cdk.out", "__pycache__", "*.egg-info", ".*_cache"
)

# Run in the user's folder: where the package comes from, whether the checkout's names leak, and
# every module of it imported under the installed name (an import of `infrastructure.x` or of
# `neptune_loader` in any of them fails here).
IMPORT_EVERY_MODULE = """
import importlib, importlib.util as u, pkgutil, neptune_bulk_load_workflow as p
print(p.__file__, u.find_spec("infrastructure"), u.find_spec("neptune_loader"))
for module in pkgutil.walk_packages(p.__path__, p.__name__ + "."):
    if ".lambdas" not in module.name:
        importlib.import_module(module.name)
"""


def readme_app() -> str:
    """The first Python code block of the README's section for users."""
    text = README.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python code block under {SECTION!r}"
    return match.group(1)


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def user_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """The template of the README app's stack, and where the app imported the package from
    (and the installed distribution's metadata after the two)."""
    assert LAYER_SITE.is_dir(), "the prebuilt layer is missing: run `make install`"
    root = tmp_path_factory.mktemp("new-user")
    source, site, app_dir, wheels = (root / name for name in ("src", "site", "app", "wheels"))
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_BUILT_FROM, symlinks=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(
        [*pip, "--no-deps", "--no-build-isolation", "--no-index", "--target", str(site), "."],
        cwd=source,
        env=env,
    )
    shutil.rmtree(source)  # nothing of the repository is left to import from

    app_dir.mkdir()
    (app_dir / "app.py").write_text(readme_app(), encoding="utf-8")
    pack_layer(LAYER_SITE, wheels)
    env |= {
        # The installed package, then aws-cdk-lib and constructs from this virtualenv.
        "PYTHONPATH": os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]]),
        "CDK_OUTDIR": str(app_dir / "cdk.out"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
    }
    origin = run([sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=app_dir, env=env)
    run([sys.executable, "app.py"], cwd=app_dir, env=env)
    template = json.loads((app_dir / "cdk.out" / "MyNeptuneLoads.template.json").read_text())
    [metadata] = site.glob("neptune_bulk_load_workflow-*.dist-info/METADATA")
    return template, f"{origin}\n{metadata.read_text(encoding='utf-8')}"


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def status_function(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The (logical id, properties) of the one function running the status handler."""
    [found] = [
        (logical_id, properties)
        for logical_id, properties in resources(template, "AWS::Lambda::Function").items()
        if properties["Handler"] == "loader_status.handler.handler"
    ]
    return found


def test_the_app_imports_the_installed_package_and_nothing_from_the_repository(
    user_app: tuple[dict[str, Any], str],
) -> None:
    _, origin = user_app
    package_file, infrastructure, neptune_loader = origin.splitlines()[0].split()
    assert "/site/neptune_bulk_load_workflow/" in package_file
    assert str(PROJECT_ROOT) not in package_file
    # Neither the checkout's package name nor the Lambdas' package leaks onto the user's path.
    assert (infrastructure, neptune_loader) == ("None", "None")


def test_the_metadata_names_the_licence_and_the_cdk_ranges_requirements_txt_pins(
    user_app: tuple[dict[str, Any], str],
) -> None:
    _, output = user_app
    metadata = output.splitlines()
    assert "License: Apache-2.0" in metadata
    assert "License-File: LICENSE" in metadata
    pins = re.findall(
        r"^([\w-]+)==(\d+)\.([\d.]+)$", (PROJECT_ROOT / "requirements.txt").read_text(), re.M
    )
    # What the constructs import (cdk-nag is the app's own check, rich the command line's).
    runtime = [pin for pin in pins if pin[0] in ("aws-cdk-lib", "constructs")]
    assert len(runtime) == 2
    for name, major, rest in runtime:
        assert f"Requires-Dist: {name}<{int(major) + 1},>={major}.{rest}" in metadata


def test_the_status_function_may_reach_only_the_neptune_port(
    user_app: tuple[dict[str, Any], str],
) -> None:
    template, _ = user_app
    _, status = status_function(template)
    [group_ref] = status["VpcConfig"]["SecurityGroupIds"]
    group = resources(template, "AWS::EC2::SecurityGroup")[group_ref["Fn::GetAtt"][0]]
    assert group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 8182,
            "ToPort": 8182,
            "DestinationSecurityGroupId": "sg-0123456789abcdef0",
            "Description": "Neptune loader API",
        }
    ]
    [ingress] = resources(template, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["GroupId"] == "sg-0123456789abcdef0"
    assert (ingress["FromPort"], ingress["ToPort"], ingress["IpProtocol"]) == (8182, 8182, "tcp")
    assert ingress["SourceSecurityGroupId"] == group_ref
    assert sorted(status["VpcConfig"]["SubnetIds"]) == [
        "subnet-0123456789abcdef0",
        "subnet-0fedcba9876543210",
    ]


def test_the_status_function_may_read_load_status_on_this_cluster_only(
    user_app: tuple[dict[str, Any], str],
) -> None:
    template, _ = user_app
    role = status_function(template)[1]["Role"]
    neptune_statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role["Fn::GetAtt"][0]} in policy["Roles"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "neptune-db" in json.dumps(statement["Action"])
    ]
    assert len(neptune_statements) == 1
    [statement] = neptune_statements
    assert statement["Action"] == "neptune-db:GetLoaderJobStatus"
    arn = json.dumps(statement["Resource"])
    assert ':neptune-db:"' in arn
    assert ':cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*"' in arn


def test_the_poller_is_chained_after_the_users_step_and_before_the_next(
    user_app: tuple[dict[str, Any], str],
) -> None:
    template, _ = user_app
    logical_id, _ = status_function(template)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:status"
    definition = resolve_definition(template, {logical_id: arn})
    states = definition["States"]
    assert definition["StartAt"] == "MyStartStep"
    assert states["MyStartStep"]["Next"] == "StartPolling"
    assert states["CheckLoadStatus"]["Resource"] == arn
    assert states["LoadSucceeded"]["Next"] == "MyNextStep"
    assert states["MyNextStep"]["End"] is True


def test_the_layer_was_bundled_by_pip_for_the_lambda_platform(
    user_app: tuple[dict[str, Any], str],
) -> None:
    template, _ = user_app
    [layer] = resources(template, "AWS::Lambda::LayerVersion").values()
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
