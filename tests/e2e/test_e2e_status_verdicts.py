"""Issue 11 through the synthesized workflow (local runner, emulator over real HTTP): a resumable
failure whose details were throttled is resumed, a refused status read ends at once as
NeptuneStatusUnavailable, and record errors within a tolerance succeed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadctl.demo.scenarios import read_event
from loadctl.emulator import Fault, ManualClock, NeptuneLoaderEmulator
from loadctl.runner import ExecutionResult, workflow_on_emulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.runner.cdk_out import SynthesizedWorkflow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
Prepare = "Callable[[NeptuneLoaderEmulator], dict[str, Any]]"


def run(
    workflow: SynthesizedWorkflow, prepare: Callable[[NeptuneLoaderEmulator], dict[str, Any]]
) -> tuple[ExecutionResult, NeptuneLoaderEmulator]:
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(data_root=SAMPLES, clock=clock, records_per_second=10.0)
    with workflow_on_emulator(workflow, emulator, clock) as (runner, _):
        execution_input = prepare(emulator)
        result = runner.run(execution_input, timeout_seconds=60)
    return result, emulator


def throttle_detail_calls(emulator: NeptuneLoaderEmulator, times: int) -> None:
    """The next ``times`` ``details=true`` reads answer 429; every other request is served."""
    left = {"n": times}
    last: list[str] = [""]
    note = emulator.note_request

    def remember(method: str, path: str) -> None:
        last[0] = path
        note(method, path)

    def throttle(method: str, path: str) -> Fault | None:
        if "details=true" in last[0].lower() and left["n"] > 0:
            left["n"] -= 1
            return Fault.error(429, "TooManyRequestsException")
        return None

    emulator.note_request = remember  # type: ignore[method-assign]
    emulator.take_fault = throttle  # type: ignore[method-assign]


def test_resumable_failure_with_throttled_details_is_resumed_not_failed(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given a load that fails on an S3 read error, and two 429s on the details call (both of
    # the in-call attempts of the first detailed read)
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
        throttle_detail_calls(emulator, 2)
        return read_event("state-machine/start-good.json")

    # When the workflow runs
    result, _ = run(synthesized, prepare)
    # Then the check that could not read the evidence answered RETRY, the next one found the
    # failure resumable, and the RESUME resubmission completed the load
    reasons = [s["reason"] for s in result.status_outputs()]
    assert "EVIDENCE_INCOMPLETE" in reasons
    assert (result.status, result.output["neptuneStatus"]) == ("SUCCEEDED", "LOAD_COMPLETED")
    starts = [r for r in result.invocations if r.handler.startswith("start_loader.")]
    assert [s.result["request"].get("mode", "AUTO") for s in starts][1] == "RESUME"
    assert "NeptuneLoadFailed" not in result.states_entered


def test_a_refused_status_read_ends_at_once_as_status_unavailable(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given a load that runs, and status reads that Neptune refuses (403); the start's list of
    # loads (GET /loader, issue 11) is allowed
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        emulator.add_fault(
            Fault.error(
                403,
                "AccessDeniedException",
                "not authorized to perform neptune-db:GetLoaderJobStatus",
                times=None,
                method="GET",
                path_prefix="/loader/",
            )
        )
        return read_event("state-machine/start-good.json")

    result, emulator = run(synthesized, prepare)
    # Then the first check ends the execution: the status is unavailable, not a failed load
    assert (result.status, result.error) == ("FAILED", "NeptuneStatusUnavailable")
    assert result.status_checks == 1
    cause = result.cause_json
    assert (cause["state"], cause["neptuneStatus"], cause["reason"]) == (
        "UNAVAILABLE",
        None,
        "ACCESS_DENIED",
    )
    assert "neptune-db:GetLoaderJobStatus" in cause["message"]
    assert cause["loadId"]
    # and the load itself is still there, running: nothing cancelled it
    emulator.clear_faults()
    assert emulator.status(cause["loadId"])["overallStatus"]["status"] == "LOAD_IN_PROGRESS"


def test_record_errors_within_tolerance_succeed_with_the_tolerated_reason(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given the broken sample loaded with failOnError FALSE and a tolerance of 10 record errors
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        return {
            **read_event("state-machine/start-broken.json"),
            "failOnError": False,
            "errorTolerance": {"maxRecordErrors": 10},
        }

    result, _ = run(synthesized, prepare)
    # Then the workflow succeeds, says the errors were tolerated, and keeps them in the output
    assert result.status == "SUCCEEDED"
    output = result.output
    assert (output["state"], output["neptuneStatus"], output["reason"]) == (
        "SUCCEEDED",
        "LOAD_FAILED",
        "LOAD_FAILED_ERRORS_TOLERATED",
    )
    assert output["errors"]["fetched"] == 6
    starts = [r for r in result.invocations if r.handler.startswith("start_loader.")]
    assert len(starts) == 1
    assert "errorTolerance" not in starts[0].result["request"]  # never sent to Neptune


def test_record_errors_without_tolerance_still_fail(synthesized: SynthesizedWorkflow) -> None:
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        return {**read_event("state-machine/start-broken.json"), "failOnError": False}

    result, _ = run(synthesized, prepare)
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    assert result.cause_json["neptuneStatus"] == "LOAD_FAILED"
    assert result.cause_json["errors"]["sample"]


def test_a_watched_load_takes_its_tolerance_from_the_input(
    synthesized: SynthesizedWorkflow,
) -> None:
    def prepare(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
        load_id = emulator.start_load(
            {**read_event("lambda/start-broken.json"), "failOnError": "FALSE"}
        )
        return {
            "loadId": load_id,
            "failOnError": "FALSE",
            "errorTolerance": {"maxErrorShare": 0.5},
        }

    result, _ = run(synthesized, prepare)
    assert result.status == "SUCCEEDED"
    assert result.output["reason"] == "LOAD_FAILED_ERRORS_TOLERATED"
