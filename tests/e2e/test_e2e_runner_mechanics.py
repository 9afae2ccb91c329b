"""The runner's own mechanics, on a small hand-written definition and handler.

These pin the moto 5.2.5 internals the runner patches: if moto moves them, these fail first.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadctl.runner import LambdaFunctionSpec, WorkflowRunner

HANDLER = textwrap.dedent(
    """
    import os, time

    class InvalidInputError(Exception):
        pass

    class FlakyError(Exception):
        pass

    calls = {"flaky": 0}

    def handler(event, context):
        print("log line from the handler")
        if event.get("bad"):
            raise InvalidInputError("loadId is missing")
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("flaky"):
            calls["flaky"] += 1
            if calls["flaky"] <= 2:
                raise FlakyError("try again")
        n = event.get("n", 0) + 1
        return {"n": n, "done": n >= 3, "endpoint": os.environ["NEPTUNE_ENDPOINT"],
                "iam": os.environ["NEPTUNE_IAM_AUTH"], "pid": os.getpid(),
                "requestId": context.aws_request_id}
    """
)

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:999999999999:function:probe"

DEFINITION = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": FUNCTION_ARN, "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": [
                {
                    "ErrorEquals": ["FlakyError"],
                    "IntervalSeconds": 7,
                    "MaxAttempts": 3,
                    "BackoffRate": 2.0,
                }
            ],
            "Catch": [
                {
                    "ErrorEquals": ["InvalidInputError"],
                    "ResultPath": "$.error",
                    "Next": "PrepareCause",
                }
            ],
            "Next": "Done?",
        },
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Finished"}],
            "Default": "Pause",
        },
        "Pause": {"Type": "Wait", "Seconds": 30, "Next": "Check"},
        "Finished": {"Type": "Succeed"},
        "PrepareCause": {
            "Type": "Pass",
            "Parameters": {"cause.$": "$.error.Cause"},
            "Next": "Invalid",
        },
        "Invalid": {"Type": "Fail", "Error": "InvalidInput", "CausePath": "$.cause"},
    },
}


@pytest.fixture(scope="module")
def runner(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[WorkflowRunner, list[float]]]:
    asset = tmp_path_factory.mktemp("asset")
    (asset / "probe.py").write_text(HANDLER)
    spec = LambdaFunctionSpec(
        arn=FUNCTION_ARN,
        handler="probe.handler",
        asset_dir=Path(asset),
        environment={"NEPTUNE_ENDPOINT": "https://real-cluster:8182", "NEPTUNE_IAM_AUTH": "true"},
        timeout_seconds=1.0,
    )
    waited: list[float] = []
    with WorkflowRunner(
        DEFINITION, [spec], neptune_endpoint="http://127.0.0.1:1", on_wait=waited.append
    ) as workflow:
        yield workflow, waited


def test_loop_runs_with_compressed_waits_in_one_warm_worker(
    runner: tuple[WorkflowRunner, list[float]],
) -> None:
    # Given a loop that needs three checks with 30 s waits between them
    workflow, waited = runner
    waited.clear()
    # When it runs
    result = workflow.run({"n": 0})
    # Then it succeeds after exactly 3 checks, the waits were reported, not slept
    assert result.status == "SUCCEEDED"
    assert result.output["n"] == 3
    assert result.states_entered == ["Check", "Done?", "Pause"] * 2 + ["Check", "Done?", "Finished"]
    assert result.transitions == 9
    assert waited == [30.0, 30.0]
    assert result.emulated_seconds == 60.0
    assert result.wall_seconds < 10
    # the handler saw the emulator endpoint, IAM auth off, and ran in one warm process
    assert result.output["endpoint"] == "http://127.0.0.1:1"
    assert result.output["iam"] == "false"
    assert len({r.result["pid"] for r in result.invocations}) == 1
    assert "log line from the handler" in result.invocations[0].logs


def test_handler_exception_becomes_error_named_after_its_class(
    runner: tuple[WorkflowRunner, list[float]],
) -> None:
    # When the handler raises InvalidInputError
    result = runner[0].run({"bad": True})
    # Then Catch on the class name matched and the Fail state carries the Lambda error
    assert result.status == "FAILED"
    assert result.error == "InvalidInput"
    cause = json.loads(result.cause or "")
    assert cause["errorType"] == "InvalidInputError"
    assert cause["errorMessage"] == "loadId is missing"
    assert result.states_entered == ["Check", "PrepareCause", "Invalid"]


def test_retry_intervals_are_reported_not_slept(
    runner: tuple[WorkflowRunner, list[float]],
) -> None:
    # Given a handler that fails twice with a retried error
    workflow, waited = runner
    waited.clear()
    # When it runs
    result = workflow.run({"flaky": True, "n": 2})
    # Then the two Retry intervals (7 s, then 7 * 2 s) went to the clock callback
    assert result.status == "SUCCEEDED"
    assert waited == [7.0, 14.0]
    assert len(result.invocations) == 3
    assert result.wall_seconds < 10


def test_invocation_over_the_function_timeout_is_killed(
    runner: tuple[WorkflowRunner, list[float]],
) -> None:
    # When the handler runs longer than the function's 1 s Timeout
    workflow = runner[0]
    cold_before = workflow.workers["probe"].cold_starts
    result = workflow.run({"sleep": 5})
    # Then the invocation fails as Sandbox.Timedout and the next one gets a fresh process
    assert result.status == "FAILED"
    assert result.invocations[0].errored
    assert result.invocations[0].result["errorType"] == "Sandbox.Timedout"
    assert result.wall_seconds < 4
    assert workflow.run({"n": 2}).status == "SUCCEEDED"
    assert workflow.workers["probe"].cold_starts == cold_before + 1
