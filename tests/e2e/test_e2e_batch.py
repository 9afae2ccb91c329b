"""The synthesized batch workflow, run by the local runner against the emulator (issue 12)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadctl.demo.scenarios import SCENARIOS, read_event
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from loadctl.runner import ExecutionResult, workflow_on_emulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.runner.cdk_out import SynthesizedWorkflow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SMALL = "s3://neptune-samples/good/vertices-software.csv"


def run_batch(
    workflow: SynthesizedWorkflow,
    batch: dict[str, Any] | None = None,
    *,
    scenario: str | None = None,
    fail_first: bool = False,
    records_per_second: float = 10.0,
    prepare: Callable[[NeptuneLoaderEmulator], object] | None = None,
) -> tuple[ExecutionResult, NeptuneLoaderEmulator]:
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=clock, records_per_second=records_per_second
    )
    with workflow_on_emulator(workflow, emulator, clock) as (runner, _):
        if scenario is not None:
            batch = SCENARIOS[scenario].prepare(emulator)
        if fail_first:
            emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
        if prepare is not None:
            prepare(emulator)
        result = runner.run(batch, timeout_seconds=240)
    return result, emulator


def controller_outputs(result: ExecutionResult) -> list[dict[str, Any]]:
    return [r.result for r in result.invocations if isinstance(r.result, dict)]


def test_batch_loads_vertices_then_edges_and_succeeds(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    result, _ = run_batch(synthesized_batch, scenario="batch")
    assert result.status == "SUCCEEDED", result.cause
    loads = result.output["loads"]
    assert [load["name"] for load in loads] == ["vertices", "edges"]
    assert all(load["state"] == "SUCCEEDED" for load in loads)
    assert all(load["records"] > 0 and load["loadId"] for load in loads)
    # The edges were sent depending on the vertices, and found every vertex (no insert errors).
    assert loads[1]["errors"] == 0
    assert result.output["total"]["records"] == sum(load["records"] for load in loads)
    # Watching two loads costs one controller call per cycle, not a poll loop per load.
    assert result.events_count < 200


def test_root_failure_and_its_cascade_are_told_apart(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    result, _ = run_batch(synthesized_batch, scenario="batch-failed")
    assert (result.status, result.error) == ("FAILED", "NeptuneBatchFailed")
    cause = result.cause_json
    assert [r["name"] for r in cause["rootFailures"]] == ["people"]
    assert cause["rootFailures"][0]["errorSample"].startswith("PARSING_ERROR")
    assert cause["dependencyFailures"] == [
        {
            "name": "knows",
            "loadId": cause["dependencyFailures"][0]["loadId"],
            "status": "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED",
            "failedDependencies": ["people"],
        }
    ]
    # continueOnFailure: the independent load still ran.
    assert cause["succeeded"] == ["software"]


def test_without_continue_on_failure_a_failure_stops_the_loads_after_it(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    batch = SCENARIOS["batch-failed"].prepare(None)  # type: ignore[arg-type]
    batch["continueOnFailure"] = False
    result, _ = run_batch(synthesized_batch, batch)
    cause = result.cause_json
    assert [r["name"] for r in cause["rootFailures"]] == ["people"]
    assert [r["name"] for r in cause["dependencyFailures"]] == ["knows", "software"]
    assert cause["succeeded"] == []


def test_resumable_failure_is_resubmitted_with_its_dependents(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    batch = SCENARIOS["batch"].prepare(None)  # type: ignore[arg-type]
    result, emulator = run_batch(synthesized_batch, batch, fail_first=True)
    assert result.status == "SUCCEEDED", result.cause
    vertices, edges = result.output["loads"]
    assert vertices["resubmits"] == 1
    assert edges["state"] == "SUCCEEDED"
    # Four loads were sent: the failed vertices, the cascaded edges, and both again.
    assert len(emulator.list_loads()) == 4


def test_more_loads_than_the_queue_holds_are_sent_as_it_frees(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    batch = {
        "loads": [{"name": f"part-{i:02d}", "source": SMALL} for i in range(70)],
        "defaults": {"format": "csv"},
        "continueOnFailure": True,
    }
    result, emulator = run_batch(synthesized_batch, batch, records_per_second=100.0)
    assert result.status == "SUCCEEDED", result.cause
    assert len(result.output["loads"]) == 70
    assert len(emulator.list_loads(limit=100)) == 70  # none sent twice, none refused
    first = controller_outputs(result)[0]
    in_flight = [r for r in first["progress"]["loads"] if r.get("id")]
    assert len(in_flight) == 64  # the queue's limit; the other six wait their turn
    assert result.events_count < 25_000 // 20


def test_invalid_batch_fails_before_anything_is_sent(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    batch = {
        "loads": [
            {"name": "edges", "source": SMALL, "dependsOn": ["vertices"]},
            {"name": "vertices", "source": SMALL},
        ],
        "defaults": {"format": "csv"},
    }
    result, emulator = run_batch(synthesized_batch, batch)
    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert (
        "load 'edges': dependsOn 'vertices' names a later load" in result.cause_json["errorMessage"]
    )
    assert emulator.list_loads() == []


def test_edges_sent_before_their_vertices_fail_with_neptunes_insert_error(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    batch = {
        "loads": [
            {"name": "edges", "source": "s3://neptune-samples/good/edges.csv"},
            {"name": "vertices", "source": "s3://neptune-samples/good/vertices-"},
        ],
        "defaults": {"format": "csv", "failOnError": True},
        "continueOnFailure": True,
    }
    result, _ = run_batch(synthesized_batch, batch)
    cause = result.cause_json
    assert [r["name"] for r in cause["rootFailures"]] == ["edges"]
    assert cause["rootFailures"][0]["errorSample"].startswith("FROM_OR_TO_VERTEX_ARE_MISSING")
    assert cause["succeeded"] == ["vertices"]


def test_demo_batch_scenarios_end_as_described(cdk_out: Path) -> None:
    from loadctl.demo import run_demo

    good = io.StringIO()
    assert run_demo("batch", cdk_out=cdk_out, out=good) == 0
    assert "total: 2 loads, 2 succeeded, 0 failed, 552 records" in good.getvalue()
    failed = io.StringIO()
    assert run_demo("batch-failed", cdk_out=cdk_out, out=failed) == 0
    text = failed.getvalue()
    assert "Error NeptuneBatchFailed" in text
    assert '"rootFailures"' in text
    assert '"failedDependencies"' in text


def test_a_queue_filled_by_other_loads_is_waited_out(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    def fill_queue(emulator: NeptuneLoaderEmulator) -> None:
        # One running and 64 queued loads that are not the batch's (reference §3.2).
        for _ in range(65):
            emulator.start_load({**read_event("lambda/start-good.json"), "queueRequest": True})

    batch = {"loads": [{"name": "late", "source": SMALL}], "defaults": {"format": "csv"}}
    result, emulator = run_batch(
        synthesized_batch, batch, records_per_second=100.0, prepare=fill_queue
    )
    assert result.status == "SUCCEEDED", result.cause
    posts = [r for r in emulator.requests if r[0] == "POST"]
    assert len(posts) >= 2  # refused while the queue was full, sent once it had room
    assert len(emulator.list_loads(limit=100)) == 66


def test_a_start_whose_answer_was_lost_is_adopted_not_sent_again(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    from loadctl.emulator import Fault

    batch = {
        "loads": [{"name": "lost", "source": SMALL}, {"name": "other", "source": SMALL}],
        "defaults": {"format": "csv"},
        "continueOnFailure": True,
    }
    # The first start creates its load, then the connection drops before the answer: the start
    # code finds the load it created and the batch goes on with it.
    result, emulator = run_batch(
        synthesized_batch,
        batch,
        prepare=lambda e: e.add_fault(Fault.accepted_then_drop(times=1, method="POST")),
    )
    assert result.status == "SUCCEEDED", result.cause
    assert [r for r in emulator.requests if r[0] == "POST"] == [("POST", "/loader")] * 2
    assert len(emulator.list_loads()) == 2


def test_a_start_dropped_before_neptune_acted_is_sent_again_once(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    from loadctl.emulator import Fault

    batch = {"loads": [{"name": "retried", "source": SMALL}], "defaults": {"format": "csv"}}
    result, emulator = run_batch(
        synthesized_batch,
        batch,
        prepare=lambda e: e.add_fault(Fault.drop(times=1, method="POST")),
    )
    assert result.status == "SUCCEEDED", result.cause
    # No load of the source appeared, so the start code said it was safe to send again.
    assert [r for r in emulator.requests if r[0] == "POST"] == [("POST", "/loader")] * 2
    assert len(emulator.list_loads()) == 1


def test_a_load_neptune_refuses_to_show_fails_the_batch_as_unavailable(
    synthesized_batch: SynthesizedWorkflow,
) -> None:
    from loadctl.emulator import Fault

    batch = {"loads": [{"name": "hidden", "source": SMALL}], "defaults": {"format": "csv"}}
    result, _ = run_batch(
        synthesized_batch,
        batch,
        prepare=lambda e: e.add_fault(
            Fault.error(
                403,
                "AccessDeniedException",
                "denied",
                times=None,
                method="GET",
                path_prefix="/loader/",
            )
        ),
    )
    assert (result.status, result.error) == ("FAILED", "NeptuneBatchFailed")
    (root,) = result.cause_json["rootFailures"]
    assert (root["name"], root["status"]) == ("hidden", "UNAVAILABLE")
