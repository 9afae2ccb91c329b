"""``make demo``: the synthesized workflow, run locally against the Neptune loader emulator.

The emulator reads the sample Gremlin CSV files under ``samples/`` (standing in for S3) on an
emulated clock that moves exactly as long as the workflow waits, so a load of minutes runs in
seconds and every number shown comes from the real files and the real handlers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from loadctl.demo.display import format_status, progress_line, to_json
from loadctl.demo.scenarios import SCENARIOS, Scenario

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES_DIR = REPO_ROOT / "samples"
# Slow enough that the sample (about 550 records) takes a few checks to load.
RECORDS_PER_SECOND = 3.0


class _LiveView:
    """Prints each state entered and a progress bar for each status check, from the history."""

    def __init__(self, runner: Any, out: TextIO) -> None:
        # History is read after the fact, so emulated time is rebuilt from the waits in order.
        self._runner = runner
        self._waits_passed = 0
        self._out = out

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "WaitStateExited":
            self._waits_passed += 1
        elapsed = sum(self._runner.current_waits[: self._waits_passed])
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            self._print(f"  t+{elapsed:6.0f}s  -> {name}")
        elif kind in ("TaskSucceeded", "LambdaFunctionSucceeded"):
            details = (
                event.get("taskSucceededEventDetails")
                or event.get("lambdaFunctionSucceededEventDetails")
                or {}
            )
            output = _json(details.get("output"))
            if isinstance(output, dict) and "progress" in output and "state" in output:
                self._print(f"             {progress_line(output)}")
            elif isinstance(output, dict) and "loadId" in output:
                self._print(f"             load started: {output['loadId']}")
        elif kind in ("TaskFailed", "LambdaFunctionFailed"):
            details = (
                event.get("taskFailedEventDetails")
                or event.get("lambdaFunctionFailedEventDetails")
                or {}
            )
            self._print(f"             task failed: {details.get('error')}")

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def run_demo(
    scenario_name: str = "success",
    *,
    cdk_out: Path = REPO_ROOT / "cdk.out",
    verbose: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run one scenario end to end and print what happens; 0 if it ended as the scenario expects."""
    from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
    from loadctl.runner import WorkflowRunner
    from loadctl.runner.cdk_out import load_synthesized_workflow

    scenario: Scenario = SCENARIOS[scenario_name]
    workflow = load_synthesized_workflow(cdk_out)
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(
        data_root=SAMPLES_DIR, clock=clock, records_per_second=RECORDS_PER_SECOND
    )
    print(f"Scenario '{scenario.name}': {scenario.title}", file=out)
    with emulator.serve() as endpoint:
        execution_input = scenario.prepare(emulator)
        print(f"Neptune loader emulator on {endpoint}, data from {SAMPLES_DIR}", file=out)
        print(f"Execution input: {json.dumps(execution_input)}", file=out)
        print(file=out)
        started = time.monotonic()
        with WorkflowRunner(
            workflow.definition,
            workflow.functions,
            neptune_endpoint=endpoint,
            on_wait=clock.advance,
        ) as runner:
            result = runner.run(execution_input, on_event=_LiveView(runner, out))
            cold_starts = sum(w.cold_starts for w in runner.workers.values())
        wall = time.monotonic() - started

    print(file=out)
    final = result.output if result.status == "SUCCEEDED" else result.cause_json
    if result.status == "SUCCEEDED":
        print("Workflow SUCCEEDED. Final status object:", file=out)
    else:
        print(f"Workflow {result.status}: Error {result.error}. Cause:", file=out)
    if isinstance(final, dict) and "state" in final:
        print(format_status(final), file=out)
        print(file=out)
    print(to_json(final if final is not None else result.cause), file=out)
    if verbose:
        for record in result.invocations:
            print(f"--- logs of {record.function} ({record.handler})", file=out)
            print(record.logs.rstrip(), file=out)
    print(file=out)
    print(
        f"Summary: {result.status_checks} status checks, {result.transitions} transitions, "
        f"{result.events_count} history events, {len(result.invocations)} Lambda invocations "
        f"({cold_starts} cold starts); emulated elapsed {result.emulated_seconds:.0f} s, "
        f"wall {wall:.1f} s",
        file=out,
    )
    as_expected = result.status == scenario.expected_status and (
        result.error == scenario.expected_error
    )
    if not as_expected:
        print(
            f"Unexpected outcome: wanted {scenario.expected_status} {scenario.expected_error}",
            file=out,
        )
    return 0 if as_expected else 1


__all__ = ["SCENARIOS", "run_demo"]
