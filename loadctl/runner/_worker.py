"""A warm Lambda "container": runs one function's real handler in its own process.

Started by :class:`loadctl.runner.lambda_worker.LambdaWorker` as
``python -I _worker.py ASSET_DIR HANDLER``. Standard library only: the process must import nothing
but the asset (``sys.path[0]`` is the asset directory, as ``/var/task`` is on AWS) and the
venv's packages, so the asset's modules never clash with copies imported elsewhere.

Protocol: one JSON request per line on stdin (``{"event": ..., "requestId": ..., "deadline": ...}``)
and one JSON response per line on a private copy of the original stdout
(``{"payload": ..., "errored": bool, "logs": "..."}``). Everything the handler prints, including
Powertools' JSON logs, goes to a per-invocation buffer that is returned as ``logs``.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import traceback
from typing import Any


class _InvocationStream(io.TextIOBase):
    """A stdout/stderr stand-in that writes into the current invocation's log buffer.

    Loggers created at import time keep a reference to ``sys.stdout``; pointing that reference at
    this object (instead of a fresh StringIO per call) keeps their output captured per invocation.
    """

    def __init__(self) -> None:
        self.buffer_ = io.StringIO()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.buffer_.write(text)

    def take(self) -> str:
        value = self.buffer_.getvalue()
        self.buffer_ = io.StringIO()
        return value


class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        )
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error_payload(exc: BaseException) -> dict[str, Any]:
    # The shape AWS returns for an unhandled exception: Step Functions takes the error name for
    # Retry/Catch from errorType, the class name of the exception.
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def main() -> None:
    """Import the handler once (the cold start), then serve invocations until stdin closes."""
    asset_dir, handler_path = sys.argv[1], sys.argv[2]
    sys.path.insert(0, asset_dir)
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    stream = _InvocationStream()
    sys.stdout = stream
    sys.stderr = stream
    module_name, _, function_name = handler_path.rpartition(".")
    init_error: BaseException | None = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # an import error fails every invocation, as Runtime.ImportModuleError
        init_error = exc
    for line in sys.__stdin__:  # type: ignore[union-attr]
        request = json.loads(line)
        errored = False
        try:
            if init_error is not None:
                payload: Any = {
                    "errorType": "Runtime.ImportModuleError",
                    "errorMessage": f"Unable to import module '{module_name}': {init_error}",
                }
                errored = True
            else:
                context = LambdaContext(request["requestId"], request["deadline"])
                payload = handler(request["event"], context)
            text = json.dumps(payload)
        except Exception as exc:
            errored = True
            text = json.dumps(_error_payload(exc))
        response = {"payload": text, "errored": errored, "logs": stream.take()}
        protocol.write(json.dumps(response) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
