"""The only place that patches moto internals. Written for, and checked against, moto 5.2.5.

moto's Step Functions backend embeds LocalStack's ASL interpreter (with
``execute_state_machine: True``). Three of its points are replaced while a runner is active:

- ``moto.awslambda.models.LambdaFunction._invoke_lambda(self, event) -> (payload, errored, logs)``:
  moto's single Lambda execution point (it would start a Docker container). The hook runs the
  real handler instead; an errored payload ``{"errorType": ...}`` becomes the Step Functions
  error name, as on AWS.
- ``WaitFunction._wait_interval(self, env, wait_seconds)``: Wait states block for real. The hook
  reports the seconds to a callback (which advances an emulated clock) and returns at once.
- ``retrier_decl.time`` (used only for ``time.sleep(interval)`` between Retry attempts): replaced by
  an object whose ``sleep`` reports the interval to the same callback.

If moto is upgraded, re-check these three names (``tests/e2e`` fails loudly if they move).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)

InvokeHook = Callable[[str, Any], tuple[str, bool, str]]
"""(function name, event) -> (payload, errored, logs)."""

WaitHook = Callable[[float], None]
"""Called with the seconds a Wait state or a Retry interval would have slept."""

_lock = threading.Lock()


@contextmanager
def moto_hooks(invoke: InvokeHook, on_wait: WaitHook) -> Iterator[None]:
    """Route moto's Lambda invocations to ``invoke`` and its sleeps to ``on_wait``.

    Not nestable: moto's classes are process-wide, so only one runner may be active at a time.
    """
    if not _lock.acquire(blocking=False):
        raise RuntimeError("a workflow runner is already active in this process")
    original_invoke = LambdaFunction._invoke_lambda
    original_wait = WaitFunction._wait_interval
    original_time = getattr(retrier_decl, "time")  # noqa: B009 (not re-exported by moto)

    def invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        return invoke(self.function_name, event if event is not None else {})

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        on_wait(float(wait_seconds))

    LambdaFunction._invoke_lambda = invoke_lambda  # type: ignore[method-assign]
    WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]
    setattr(retrier_decl, "time", SimpleNamespace(sleep=on_wait, time=time.time))  # noqa: B010
    try:
        yield
    finally:
        LambdaFunction._invoke_lambda = original_invoke  # type: ignore[method-assign]
        WaitFunction._wait_interval = original_wait  # type: ignore[method-assign]
        setattr(retrier_decl, "time", original_time)  # noqa: B010
        _lock.release()
