"""The synthesized workflow with source estimates on, run by the local runner against the
emulator and the S3 stand-in: the loop carries the estimate, so S3 is read once per load."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from loadctl.demo.scenarios import SCENARIOS
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from loadctl.s3_standin import workflow_with_sources

if TYPE_CHECKING:
    from loadctl.runner.cdk_out import SynthesizedWorkflow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_the_workflow_reads_the_source_once_and_reports_percent_and_time_left(
    synthesized: SynthesizedWorkflow,
) -> None:
    # Given the sample load (3 files) at 3 records per emulated second, estimates on
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(data_root=SAMPLES, clock=clock, records_per_second=3.0)
    with workflow_with_sources(synthesized, emulator, clock, SAMPLES) as (runner, s3, _):
        result = runner.run(SCENARIOS["success"].prepare(emulator), timeout_seconds=60)
        requests = s3.requests
    # Then the load succeeds after several checks ...
    assert result.status == "SUCCEEDED"
    assert result.status_checks >= 3
    # ... and S3 was listed once and each of the 3 objects read once, not once per check
    reads = {request: n for request, n in requests.items() if request.startswith("GET ")}
    assert sum(reads.values()) == 1 + 3, reads
    assert result.output["estimate"] == {
        "expectedRecords": 552, "expectedFiles": 3, "percent": 100, "etaSeconds": 0,
        "basis": "SOURCE_SAMPLE",
    }  # fmt: skip
