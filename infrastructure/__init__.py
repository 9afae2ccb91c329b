"""Run and watch Amazon Neptune bulk loads from AWS Step Functions: CDK constructs.

Installed with pip, this package is ``neptune_bulk_load_workflow``; in a checkout of the
repository it is ``infrastructure/``. The names below are the public API (see the README's "Use it
in your own CDK app")::

    from neptune_bulk_load_workflow import (
        LoadStatusPoller, NeptuneClusterRef, NeptuneStatusFunction,
    )

They are imported on first use, so the modules that need no CDK (settings, poll limits, the
contract's constants) stay cheap to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .constructs.batch_workflow import BatchWorkflow
    from .constructs.bulk_load_workflow import BulkLoadWorkflow
    from .constructs.layer_bundling import bundled_dependency_layer
    from .constructs.load_status_poller import LoadStatusPoller
    from .constructs.neptune_functions import (
        NeptuneBatchFunction,
        NeptuneClusterRef,
        NeptuneStartFunction,
        NeptuneStatusFunction,
    )
    from .contract import BATCH_FAIL_ERRORS, FAIL_ERRORS, REASONS, STATES, State
    from .settings import PollSettings

# Public name -> the module (relative to this package) that defines it.
_EXPORTS = {
    "BatchWorkflow": ".constructs.batch_workflow",
    "BulkLoadWorkflow": ".constructs.bulk_load_workflow",
    "LoadStatusPoller": ".constructs.load_status_poller",
    "NeptuneBatchFunction": ".constructs.neptune_functions",
    "NeptuneClusterRef": ".constructs.neptune_functions",
    "NeptuneStartFunction": ".constructs.neptune_functions",
    "NeptuneStatusFunction": ".constructs.neptune_functions",
    "bundled_dependency_layer": ".constructs.layer_bundling",
    "PollSettings": ".settings",
    "BATCH_FAIL_ERRORS": ".contract",
    "FAIL_ERRORS": ".contract",
    "REASONS": ".contract",
    "STATES": ".contract",
    "State": ".contract",
}
__all__ = [
    "BATCH_FAIL_ERRORS",
    "FAIL_ERRORS",
    "REASONS",
    "STATES",
    "BatchWorkflow",
    "BulkLoadWorkflow",
    "LoadStatusPoller",
    "NeptuneBatchFunction",
    "NeptuneClusterRef",
    "NeptuneStartFunction",
    "NeptuneStatusFunction",
    "PollSettings",
    "State",
    "bundled_dependency_layer",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
