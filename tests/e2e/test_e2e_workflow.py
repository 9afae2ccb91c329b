"""Every branch of the synthesized workflow, run by the local runner against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadctl.demo.scenarios import SCENARIOS, UNKNOWN_LOAD_ID
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from loadctl.runner import ExecutionResult, workflow_on_emulator

if TYPE_CHECKING:
    from loadctl.runner.cdk_out import SynthesizedWorkflow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def run_scenario(workflow: SynthesizedWorkflow, name: str) -> tuple[ExecutionResult, Any]:
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(data_root=SAMPLES, clock=clock, records_per_second=10.0)
    with workflow_on_emulator(workflow, emulator, clock) as (runner, _):
        execution_input = SCENARIOS[name].prepare(emulator)
        result = runner.run(execution_input, timeout_seconds=60)
    return result, execution_input


def test_success_loads_the_sample_and_returns_the_status_object(
    synthesized: SynthesizedWorkflow,
) -> None:
    result, _ = run_scenario(synthesized, "success")
    assert result.status == "SUCCEEDED"
    assert result.output["state"] == "SUCCEEDED"
    assert result.output["neptuneStatus"] == "LOAD_COMPLETED"
    assert result.output["progress"]["totalRecords"] > 0
    assert result.output["progress"]["feedCount"] == {"LOAD_COMPLETED": 3}
    assert 1 <= result.status_checks <= 10
    assert result.states_entered[-1] != "NeptuneLoadFailed"


def test_failed_load_carries_neptune_error_details_in_the_cause(
    synthesized: SynthesizedWorkflow,
) -> None:
    result, _ = run_scenario(synthesized, "failed")
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    cause = result.cause_json
    assert cause["state"] == "FAILED"
    assert cause["neptuneStatus"] == "LOAD_FAILED"
    assert cause["errors"]["fetched"] >= 1
    assert cause["errors"]["sample"][0]["fileName"].startswith("s3://neptune-samples/broken/")
    assert result.status_checks <= 10


def test_queued_load_waits_then_succeeds(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "queued")
    assert result.status == "SUCCEEDED"
    seen = [s["neptuneStatus"] for s in result.status_outputs()]
    assert "LOAD_IN_QUEUE" in seen
    assert seen[-1] == "LOAD_COMPLETED"
    assert result.status_checks <= 20


def test_throttling_storm_is_ridden_out(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "throttled")
    assert result.status == "SUCCEEDED"
    states = [s["state"] for s in result.status_outputs()]
    assert states.count("RETRY") >= 2
    assert states[-1] == "SUCCEEDED"
    assert result.status_checks <= 12


def test_unknown_load_id_fails_with_load_id_not_found(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "not-found")
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadFailed")
    assert result.cause_json["reason"] == "LOAD_ID_NOT_FOUND"
    assert result.cause_json["loadId"] == UNKNOWN_LOAD_ID
    assert result.status_checks == 1


def test_total_wait_bound_ends_in_timed_out(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "timeout")
    assert (result.status, result.error) == ("FAILED", "NeptuneLoadTimedOut")
    assert result.cause_json["neptuneStatus"] == "LOAD_IN_PROGRESS"
    # 1800 s bound, initial wait included; every wait is at most 300 s.
    assert 1800 <= result.emulated_seconds <= 1800 + 300
    # No wait is shorter than STATUS_MIN_WAIT_SECONDS (10 s), so at most one check per 10 s.
    assert result.status_checks <= 1800 // 10 + 1
    assert min(result.waits) >= 10


def test_consecutive_retry_bound_ends_in_status_unavailable(
    synthesized: SynthesizedWorkflow,
) -> None:
    result, _ = run_scenario(synthesized, "unavailable")
    assert (result.status, result.error) == ("FAILED", "NeptuneStatusUnavailable")
    assert result.cause_json["state"] == "RETRY"
    assert result.status_checks == 4  # pollMaxConsecutiveRetries in the test synth


def test_invalid_input_fails_without_calling_neptune(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "invalid")
    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert "not-a-load-id" in (result.cause or "")
    assert result.transitions <= 8


def test_resumable_failure_is_resubmitted_with_resume(synthesized: SynthesizedWorkflow) -> None:
    result, _ = run_scenario(synthesized, "resume")
    assert result.status == "SUCCEEDED"
    starts = [r for r in result.invocations if r.handler.startswith("start_loader.")]
    assert len(starts) == 2
    assert starts[1].result["request"]["mode"] == "RESUME"
    assert result.output["progress"]["runNumber"] == 2
    assert any(s.get("retryable") for s in result.status_outputs())


def test_watch_a_load_started_elsewhere(synthesized: SynthesizedWorkflow) -> None:
    result, execution_input = run_scenario(synthesized, "watch")
    assert result.status == "SUCCEEDED"
    assert result.output["loadId"] == execution_input["loadId"]
    assert not [r for r in result.invocations if r.handler.startswith("start_loader.")]
    assert result.status_checks <= 10
