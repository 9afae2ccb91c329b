"""Run a state machine definition in moto's ASL interpreter with the real Lambda handlers."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from loadctl.runner._moto_hooks import moto_hooks
from loadctl.runner.execution_result import ExecutionLog, ExecutionResult, InvocationRecord
from loadctl.runner.lambda_worker import Invocation, LambdaFunctionSpec, LambdaWorker

if TYPE_CHECKING:
    from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
    from loadctl.runner.cdk_out import SynthesizedWorkflow

# moto's interpreter runs in the default account; the definition's Lambda ARNs are rewritten to it.
MOTO_ACCOUNT_ID = "123456789012"

InvokeObserver = Callable[[LambdaFunctionSpec, Any, Invocation], None]
EventObserver = Callable[[dict[str, Any]], None]


class WorkflowRunner:
    """Runs a state machine definition locally: moto's ASL interpreter, real handlers, real HTTP.

    Use as a context manager; inside it, :meth:`run` starts one execution and returns its
    :class:`ExecutionResult`. Each Lambda runs in its own warm worker process with its template
    environment, ``NEPTUNE_ENDPOINT`` pointed at ``neptune_endpoint`` and IAM auth off.

    Parameters
    ----------
    definition
        The state machine definition (plain JSON, Lambda ARNs as in ``functions``).
    functions
        The Lambda functions the definition references.
    neptune_endpoint
        The endpoint the handlers talk to (the emulator's ``http://127.0.0.1:PORT``).
    on_wait
        Called with the seconds of every Wait state and Retry interval instead of sleeping,
        typically ``ManualClock.advance``.
    region
        The region the interpreter and the handlers see.
    environment
        Extra environment for every function (applied last).
    """

    def __init__(
        self,
        definition: dict[str, Any],
        functions: Sequence[LambdaFunctionSpec],
        *,
        neptune_endpoint: str,
        on_wait: Callable[[float], object] | None = None,
        region: str = "us-east-1",
        environment: dict[str, str] | None = None,
    ) -> None:
        self.region = region
        self._on_wait = on_wait
        self._functions = {self._moto_arn(spec): spec for spec in functions}
        self._definition = self._rewrite_arns(definition, functions)
        self._workers = {
            spec.name: LambdaWorker(spec, self._function_environment(spec, neptune_endpoint))
            for spec in functions
        }
        self._extra_environment = environment or {}
        for worker in self._workers.values():
            worker._environment.update(self._extra_environment)
        self._mock: Any = None
        self._hooks: Any = None
        self._state_machine_arn = ""
        self._current: ExecutionLog | None = None
        self.on_invoke: InvokeObserver | None = None

    def _moto_arn(self, spec: LambdaFunctionSpec) -> str:
        return f"arn:aws:lambda:{self.region}:{MOTO_ACCOUNT_ID}:function:{spec.name}"

    def _rewrite_arns(
        self, definition: dict[str, Any], functions: Iterable[LambdaFunctionSpec]
    ) -> dict[str, Any]:
        text = json.dumps(definition)
        for spec in functions:
            text = text.replace(json.dumps(spec.arn), json.dumps(self._moto_arn(spec)))
        result: dict[str, Any] = json.loads(text)
        return result

    def _function_environment(self, spec: LambdaFunctionSpec, endpoint: str) -> dict[str, str]:
        env = {k: v for k, v in spec.environment.items() if isinstance(v, str)}
        env.update(
            {
                "NEPTUNE_ENDPOINT": endpoint,
                # The emulator does not check signatures; dummy credentials keep botocore from
                # searching for real ones.
                "NEPTUNE_IAM_AUTH": "false",
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout_seconds)),
                "AWS_EXECUTION_ENV": "AWS_Lambda_python_local",
                "_HANDLER": spec.handler,
                # No X-Ray daemon here.
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        return env

    def __enter__(self) -> WorkflowRunner:
        import boto3
        from moto import mock_aws

        # The interpreter logs every failure it handles (Catch, Fail) at ERROR with a full dump.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self._hooks = moto_hooks(self._invoke, self._wait)
        try:
            self._hooks.__enter__()
            iam = boto3.client("iam", region_name=self.region)
            role_arn = iam.create_role(
                RoleName="local-workflow-runner", AssumeRolePolicyDocument="{}"
            )["Role"]["Arn"]
            lambda_client = boto3.client("lambda", region_name=self.region)
            # moto needs a code package; the hook runs the real asset instead.
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w") as archive:
                archive.writestr("placeholder.py", "")
            for spec in self._functions.values():
                lambda_client.create_function(
                    FunctionName=spec.name,
                    Runtime="python3.12",
                    Role=role_arn,
                    Handler=spec.handler,
                    Code={"ZipFile": package.getvalue()},
                    Timeout=max(1, int(spec.timeout_seconds)),
                    MemorySize=spec.memory_mb,
                )
            self._sfn = boto3.client("stepfunctions", region_name=self.region)
            self._state_machine_arn = self._sfn.create_state_machine(
                name="local-workflow", definition=json.dumps(self._definition), roleArn=role_arn
            )["stateMachineArn"]
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for worker in self._workers.values():
            worker.stop()
        if self._hooks is not None:
            self._hooks.__exit__(None, None, None)
            self._hooks = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    @property
    def definition(self) -> dict[str, Any]:
        """The definition as the interpreter runs it (Lambda ARNs rewritten to moto's account)."""
        return self._definition

    @property
    def current_waits(self) -> list[float]:
        """Waits of the running execution so far (for live display)."""
        return list(self._current.waits) if self._current is not None else []

    @property
    def workers(self) -> dict[str, LambdaWorker]:
        """The worker of each function, by function name (cold starts, invocation counts)."""
        return self._workers

    def _invoke(self, function_name: str, event: Any) -> tuple[str, bool, str]:
        worker = self._workers[function_name]
        invocation = worker.invoke(event)
        log = self._current
        if log is not None:
            log.invocations.append(
                InvocationRecord(
                    function=function_name,
                    handler=worker.spec.handler,
                    event=event,
                    result=invocation.payload_json(),
                    errored=invocation.errored,
                    cold_start=invocation.cold_start,
                    logs=invocation.logs,
                )
            )
        if self.on_invoke is not None:
            self.on_invoke(worker.spec, event, invocation)
        return invocation.payload, invocation.errored, invocation.logs

    def _wait(self, seconds: float) -> None:
        if self._current is not None:
            self._current.waits.append(seconds)
        if self._on_wait is not None:
            self._on_wait(seconds)

    def run(
        self,
        execution_input: Any,
        *,
        name: str | None = None,
        timeout_seconds: float = 120.0,
        on_event: EventObserver | None = None,
    ) -> ExecutionResult:
        """Start one execution, wait for it to end and return its result and history.

        ``on_event`` is called with each history event as it appears (for live display).
        ``timeout_seconds`` bounds the real time; the execution is stopped if it is exceeded.
        """
        if self._mock is None:
            raise RuntimeError("use WorkflowRunner as a context manager")
        self._current = log = ExecutionLog()
        started = time.monotonic()
        execution_arn = self._sfn.start_execution(
            stateMachineArn=self._state_machine_arn,
            name=name or f"local-{uuid.uuid4()}",
            input=json.dumps(execution_input),
        )["executionArn"]
        seen = 0
        try:
            while True:
                description = self._sfn.describe_execution(executionArn=execution_arn)
                if on_event is not None:
                    events = self._history(execution_arn)
                    for event in events[seen:]:
                        on_event(event)
                    seen = len(events)
                if description["status"] != "RUNNING":
                    break
                if time.monotonic() - started > timeout_seconds:
                    self._sfn.stop_execution(executionArn=execution_arn, error="LocalTimeout")
                    raise TimeoutError(f"execution still running after {timeout_seconds} s")
                # Polls the interpreter thread; the workflow's own waits never sleep.
                time.sleep(0.02)
        finally:
            self._current = None
        events = self._history(execution_arn)
        if on_event is not None:
            for event in events[seen:]:
                on_event(event)
        output = description.get("output")
        return ExecutionResult(
            execution_arn=execution_arn,
            status=description["status"],
            output=json.loads(output) if output else None,
            error=description.get("error"),
            cause=description.get("cause"),
            events=events,
            invocations=log.invocations,
            waits=log.waits,
            wall_seconds=time.monotonic() - started,
        )

    def _history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self._sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]


@contextmanager
def workflow_on_emulator(
    workflow: SynthesizedWorkflow,
    emulator: NeptuneLoaderEmulator,
    clock: ManualClock,
    *,
    environment: dict[str, str] | None = None,
) -> Iterator[tuple[WorkflowRunner, str]]:
    """``emulator`` served and the runner on ``workflow`` against it, its waits advancing
    ``clock``: yields the runner and the emulator's endpoint."""
    with (
        emulator.serve() as endpoint,
        WorkflowRunner(
            workflow.definition,
            workflow.functions,
            neptune_endpoint=endpoint,
            on_wait=clock.advance,
            environment=environment,
        ) as runner,
    ):
        yield runner, endpoint
