"""Local workflow runner: the synthesized state machine in moto's ASL interpreter, real handlers.

>>> with WorkflowRunner(definition, functions, neptune_endpoint=url, on_wait=clock.advance) as r:
...     result = r.run({"loadId": load_id})
"""

from __future__ import annotations

from loadctl.runner.lambda_worker import Invocation, LambdaFunctionSpec, LambdaWorker
from loadctl.runner.runner import ExecutionResult, InvocationRecord, WorkflowRunner

__all__ = [
    "ExecutionResult",
    "Invocation",
    "InvocationRecord",
    "LambdaFunctionSpec",
    "LambdaWorker",
    "WorkflowRunner",
]
