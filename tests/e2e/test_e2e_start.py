"""The start paths of the synthesized workflow (issue 11), run by the local runner against the emulator.

The emulator's clock starts at the real time here: Step Functions stamps an attempt with its own
clock (``$$.Execution.StartTime``) and Neptune stamps a load's ``startTime`` with its own, and the
two agree in AWS (within the start Lambda's allowance of a few seconds).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infrastructure.setting_declarations import START_QUEUE_FULL_RETRIES
from loadctl.demo.scenarios import read_event
from loadctl.emulator import Fault, ManualClock, NeptuneLoaderEmulator
from loadctl.runner import ExecutionResult, workflow_on_emulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.runner.cdk_out import SynthesizedWorkflow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GOOD = "state-machine/start-good.json"
QUEUE_FULL = (
    "Failed to start new load for the source s3://neptune-samples/good/. "
    "Max load task queue size limit breached. Limit is 64"
)


def run(
    workflow: SynthesizedWorkflow,
    prepare: Callable[[NeptuneLoaderEmulator], dict[str, Any]],
) -> tuple[ExecutionResult, NeptuneLoaderEmulator]:
    clock = ManualClock(start=time.time())
    emulator = NeptuneLoaderEmulator(data_root=SAMPLES, clock=clock, records_per_second=10.0)
    with workflow_on_emulator(workflow, emulator, clock) as (runner, _):
        execution_input = prepare(emulator)
        clock.advance(max(time.time() - clock.now(), 0.0))  # the workers took real time to start
        result = runner.run(execution_input, timeout_seconds=90)
    return result, emulator


def _posts(emulator: NeptuneLoaderEmulator) -> int:
    return sum(1 for method, _ in emulator.requests if method == "POST")


def _starts(result: ExecutionResult) -> list[Any]:
    return [r for r in result.invocations if r.handler.startswith("start_loader.")]


def test_a_start_accepted_then_answered_500_runs_exactly_one_load(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given Neptune creates the load, then answers the start with a 500
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.add_fault(Fault.accepted_then_error(500, "InternalFailureException"))
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    # Then the start Lambda finds that load, and the workflow watches it to the end
    assert result.status == "SUCCEEDED"
    assert len(emulator.list_loads()) == 1
    assert _posts(emulator) == 1
    assert result.output["loadId"] == emulator.list_loads()[0]
    assert result.output["neptuneStatus"] == "LOAD_COMPLETED"
    assert _starts(result)[0].result["adopted"] is True


def test_a_retried_start_adopts_the_load_an_earlier_attempt_created(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given a start accepted then answered 500, whose load the first look does not show yet (the
    # list is stale), so the Lambda reports "none started" and Step Functions retries it
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        stale = b'{"status": "200 OK", "payload": {"loadIds": []}}'
        emulator.add_fault(
            Fault.body(200, stale, "application/json", times=2, method="GET", path_prefix="/loader")
        )
        emulator.add_fault(Fault.accepted_then_error(500, "InternalFailureException"))
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    # Then the retry looks before sending, adopts the load, and nothing is sent twice (the same
    # check keeps a redrive of a failed execution from starting a second load)
    assert result.status == "SUCCEEDED"
    assert len(_starts(result)) == 2
    assert _posts(emulator) == 1
    assert emulator.list_loads() == [result.output["loadId"]]


def test_a_full_queue_is_waited_out_then_the_load_starts(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given Neptune's queue is full for the first two starts
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.add_fault(
            Fault.error(400, "BadRequestException", QUEUE_FULL, times=2, method="POST")
        )
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    # Then the workflow waits (up to a minute, then two: full jitter), sends again, the load runs
    assert result.status == "SUCCEEDED"
    assert _posts(emulator) == 3
    assert len(emulator.list_loads()) == 1
    assert len(_starts(result)) == 3


def test_a_queue_that_stays_full_fails_clearly(synthesized: SynthesizedWorkflow) -> None:
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.add_fault(
            Fault.error(400, "BadRequestException", QUEUE_FULL, times=None, method="POST")
        )
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    assert result.cause_json["errorType"] == "NeptuneLoadQueueFull"
    assert "Limit is 64" in result.cause_json["errorMessage"]
    assert emulator.list_loads() == []
    assert _posts(emulator) == 1 + START_QUEUE_FULL_RETRIES.default


def test_a_documented_permanent_500_is_rejected_once_with_neptunes_message(
    synthesized: SynthesizedWorkflow,
) -> None:
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.add_fault(
            Fault.error(
                500,
                "InternalFailureException",
                "Failed to start load from the source s3://neptune-samples/good/",
                times=None,
                method="POST",
            )
        )
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    assert result.cause_json["errorType"] == "NeptuneRequestRejected"
    assert "Failed to start load from the source" in result.cause_json["errorMessage"]
    assert _posts(emulator) == 1  # was four: the first try and three retries


def test_a_failed_resubmission_keeps_the_original_failure_in_the_cause(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given a load that fails on a resumable S3 read error, and a resubmission Neptune refuses
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
        scripted = emulator.take_fault

        def refuse_the_second_start(method: str, path: str) -> Fault | None:
            if method == "POST" and _posts(emulator) >= 2:
                return Fault.error(
                    400,
                    "BadRequestException",
                    "Couldn't find the AWS credential for iam_role_arn",
                )
            return scripted(method, path)

        emulator.take_fault = refuse_the_second_start  # type: ignore[method-assign]
        return read_event(GOOD)

    result, emulator = run(synthesized, prepare)
    # Then the Cause is the original failure (load id, status, reason, errors) plus the start
    # error (before: only the start error's type and stack trace)
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    cause = result.cause_json
    (first_load,) = emulator.list_loads()
    assert cause["loadId"] == first_load
    assert cause["state"] == "FAILED"
    assert cause["neptuneStatus"] == "LOAD_FAILED"
    assert cause["retryable"] is True
    assert "errors" in cause
    assert cause["resubmitError"]["Error"] == "NeptuneRequestRejected"
    assert "iam_role_arn" in cause["resubmitError"]["Cause"]
