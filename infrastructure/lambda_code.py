"""Where the Lambda code is, in a checkout and in an installed package.

From a checkout, ``lambdas/`` sits beside this package (``infrastructure/``); installed with pip,
it is package data inside it (``neptune_bulk_load_workflow/lambdas/``). Either way it is the
Lambda asset root (handlers ``loader_status.handler.handler``, ``start_loader.handler.handler``,
``batch_loader.handler.handler``).

The CDK side reads a few stdlib-only Lambda modules (the declared defaults, the status table, the endpoint's region) by
file path under a private module name, so ``neptune_loader`` never has to be on anyone's
``sys.path``: a user's app cannot pick up, or collide with, a package of that name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "LAMBDA_ASSET_DIR",
    "LAMBDA_REQUIREMENTS",
    "lambda_defaults",
    "lambda_endpoints",
    "lambda_statuses",
    "load_lambda_module",
]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_dir() -> Path:
    installed = _PACKAGE_DIR / "lambdas"
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / "lambdas"


LAMBDA_ASSET_DIR = _asset_dir()
# Pinned boto3/botocore/Powertools for the functions' dependency layer.
LAMBDA_REQUIREMENTS = LAMBDA_ASSET_DIR / "requirements.txt"


def load_lambda_module(relative_path: str) -> ModuleType:
    """Load ``lambdas/<relative_path>`` (a module that imports only the standard library).

    The module is registered as ``<this package>._lambda.<dotted path>``, once per process.
    """
    dotted = relative_path.removesuffix(".py").replace("/", ".")
    name = f"{__package__}._lambda.{dotted}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, LAMBDA_ASSET_DIR / relative_path)
    if spec is None or spec.loader is None:  # pragma: no cover - a missing file raises below
        raise ImportError(f"cannot load {LAMBDA_ASSET_DIR / relative_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and enums look their module up while it runs
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


if TYPE_CHECKING:
    from neptune_loader import defaults as lambda_defaults
    from neptune_loader import endpoints as lambda_endpoints
    from neptune_loader import statuses as lambda_statuses
else:
    lambda_defaults = load_lambda_module("neptune_loader/defaults.py")
    lambda_endpoints = load_lambda_module("neptune_loader/endpoints.py")
    lambda_statuses = load_lambda_module("neptune_loader/statuses.py")
