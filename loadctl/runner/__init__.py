"""Local workflow runner: the synthesized state machine in moto's ASL interpreter, real handlers.

>>> with WorkflowRunner(definition, functions, neptune_endpoint=url, on_wait=clock.advance) as r:
...     result = r.run({"loadId": load_id})

``runner`` drives moto's interpreter (``_moto_hooks`` patches it to call the workers and to wait
on the given clock); ``lambda_worker`` keeps one warm process per function (``_worker`` is that
process); ``execution_result`` is what a run returns; ``cdk_out`` synthesizes the app and maps
the functions :mod:`infrastructure.definition` finds in it to worker specs.
"""

from __future__ import annotations

from loadctl.runner.execution_result import ExecutionResult, InvocationRecord
from loadctl.runner.lambda_worker import Invocation, LambdaFunctionSpec, LambdaWorker
from loadctl.runner.runner import WorkflowRunner, workflow_on_emulator

__all__ = [
    "ExecutionResult",
    "Invocation",
    "InvocationRecord",
    "LambdaFunctionSpec",
    "LambdaWorker",
    "WorkflowRunner",
    "workflow_on_emulator",
]
