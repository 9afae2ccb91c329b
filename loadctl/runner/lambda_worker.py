"""One persistent handler process per Lambda function, like a warm Lambda execution environment."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_WORKER_SCRIPT = Path(__file__).with_name("_worker.py")


@dataclass(frozen=True)
class LambdaFunctionSpec:
    """What the runner needs to know about one Lambda function of the state machine.

    Parameters
    ----------
    arn
        The function ARN exactly as the state machine definition references it.
    handler
        The handler string, e.g. ``loader_status.handler.handler``.
    asset_dir
        The directory that holds the function's code (``cdk.out/asset.<hash>/`` or ``lambdas/``).
    environment
        The function's environment variables from the template.
    timeout_seconds
        The function's ``Timeout``: an invocation that takes longer is killed.
    memory_mb
        The function's ``MemorySize`` (reported to the handler through the context).
    """

    arn: str
    handler: str
    asset_dir: Path
    environment: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 30.0
    memory_mb: int = 128

    @property
    def name(self) -> str:
        """The function name (last part of the ARN)."""
        return self.arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Invocation:
    """The result of one invocation, in the form moto's Lambda backend returns it."""

    payload: str
    errored: bool
    logs: str
    cold_start: bool
    duration_seconds: float

    def payload_json(self) -> Any:
        """The payload parsed as JSON (``None`` if it is not JSON)."""
        try:
            return json.loads(self.payload)
        except ValueError:
            return None


class LambdaWorker:
    """Runs invocations of one function in a long-lived subprocess (started on first use).

    The process gets only the function's environment (plus what Python needs to start), so
    the handler sees what it would see on AWS. A timed-out or crashed process is discarded and the
    next invocation starts a new one, as Lambda does with a failed execution environment.
    """

    def __init__(self, spec: LambdaFunctionSpec, environment: dict[str, str]) -> None:
        self.spec = spec
        self._environment = environment
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self.cold_starts = 0
        self.invocations = 0

    def _start(self) -> subprocess.Popen[bytes]:
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
        env.update(self._environment)
        self.cold_starts += 1
        self._buffer = b""
        return subprocess.Popen(
            [
                sys.executable,
                "-I",
                str(_WORKER_SCRIPT),
                str(self.spec.asset_dir),
                self.spec.handler,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=str(self.spec.asset_dir),
        )

    def invoke(self, event: Any) -> Invocation:
        """Run the handler on ``event``; errors come back as AWS-shaped error payloads."""
        started = time.monotonic()
        cold = self._process is None or self._process.poll() is not None
        if cold:
            self._process = self._start()
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        self.invocations += 1
        deadline = time.time() + self.spec.timeout_seconds
        request = {"event": event, "requestId": str(uuid.uuid4()), "deadline": deadline}
        try:
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
            line = self._read_line(process, started + self.spec.timeout_seconds)
        except BrokenPipeError:
            line = None
        duration = time.monotonic() - started
        if line is None:
            timed_out = process.poll() is None
            self.stop()
            error = (
                {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Task timed out after {self.spec.timeout_seconds:.2f} seconds",
                }
                if timed_out
                else {"errorType": "Runtime.ExitError", "errorMessage": "Runtime exited"}
            )
            return Invocation(json.dumps(error), True, "", cold, duration)
        response = json.loads(line)
        return Invocation(
            response["payload"], bool(response["errored"]), response["logs"], cold, duration
        )

    def _read_line(self, process: subprocess.Popen[bytes], deadline: float) -> bytes | None:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:  # the process died
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        """End the process (closing stdin lets it exit on its own; kill if it does not)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
