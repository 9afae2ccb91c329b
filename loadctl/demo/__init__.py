"""``make demo``: the synthesized workflow, run locally against the Neptune loader emulator.

The emulator reads the sample Gremlin CSV files under ``samples/`` (standing in for S3) on an
emulated clock that moves exactly as long as the workflow waits, so a load of minutes runs in
seconds and every number shown comes from the real files and the real handlers. The same files
are served as S3 objects by an S3 stand-in (moto, :mod:`loadctl.s3_standin`), so the status
Lambda runs with source estimates on and shows percent done and time left.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from loadctl.batch_display import batch_cause_lines, batch_result_lines, batch_total_line
from loadctl.demo.display import check_line, format_status, to_json
from loadctl.demo.scenarios import SCENARIOS, Scenario

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES_DIR = REPO_ROOT / "samples"
# Where scenarios with their own CDK context are synthesized (build/ is ignored and `make clean`ed).
DEMO_BUILD_DIR = REPO_ROOT / "build" / "demo"
_SYNTH_KEY_FILE = "demo-synth.key"
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
                self._print(f"             {check_line(output)}")
            elif isinstance(output, dict) and "outcome" in output and "progress" in output:
                self._print(f"             {batch_total_line(output['progress'])}")
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


def _duration(seconds: int) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def poll_bounds(definition: Mapping[str, Any]) -> dict[str, int]:
    """The loop's bounds as the definition enforces them: ``$.poll`` counter -> threshold.

    Read from the Choice rules on ``$.poll.*`` (see docs/design.md), so what the demo prints is
    what the interpreter runs, whatever context it was synthesized with.
    """
    bounds: dict[str, int] = {}
    for state in definition.get("States", {}).values():
        for rule in state.get("Choices", []) if state.get("Type") == "Choice" else []:
            variable = str(rule.get("Variable", ""))
            if variable.startswith("$.poll.") and "NumericGreaterThanEquals" in rule:
                bounds[variable.removeprefix("$.poll.")] = int(rule["NumericGreaterThanEquals"])
    return bounds


def _synth_key(cdk_out: Path, context: Mapping[str, str]) -> str | None:
    """What a scenario's own synth depends on: the main synth's templates (their asset hashes
    change with the Lambda code and layer) and the context overrides; ``None`` if not synthesized."""
    templates = sorted(cdk_out.glob("*.template.json"))
    if not templates:
        return None
    digest = hashlib.sha256(json.dumps(dict(context), sort_keys=True).encode())
    for template in templates:
        digest.update(template.read_bytes())
    return digest.hexdigest()


def scenario_cloud_assembly(scenario: Scenario, cdk_out: Path, out: TextIO) -> Path:
    """``cdk_out``, or for a scenario with its own context a synth of the app with it (reused
    while the main synth and the context are unchanged)."""
    from loadctl.runner.cdk_out import synthesize

    if not scenario.synth_context:
        return cdk_out
    flags = " ".join(f"-c {key}={value}" for key, value in scenario.synth_context.items())
    target = DEMO_BUILD_DIR / f"cdk.out.{scenario.name}"
    key = _synth_key(cdk_out, scenario.synth_context)
    key_file = target / _SYNTH_KEY_FILE
    if key is not None and key_file.is_file() and key_file.read_text() == key:
        print(f"Using the app synthesized with {flags} in {target}", file=out)
        return target
    print(f"Synthesizing the app with {flags} into {target} ...", file=out, flush=True)
    key_file.unlink(missing_ok=True)
    synthesize(target, scenario.synth_context)
    if key is not None:
        key_file.write_text(key)
    return target


def _print_bounds(definition: Mapping[str, Any], scenario: Scenario, out: TextIO) -> None:
    bounds = poll_bounds(definition)
    parts = []
    if "waitedSeconds" in bounds:
        parts.append(f"total wait {_duration(bounds['waitedSeconds'])}")
    if "checks" in bounds:
        parts.append(f"{bounds['checks']} checks")
    if "consecutiveRetries" in bounds:
        parts.append(f"{bounds['consecutiveRetries']} unreadable checks in a row")
    print(f"Poll bounds in the definition: {', '.join(parts) or 'none found'}", file=out)
    if scenario.synth_context:
        from infrastructure.setting_declarations import DEFAULTS

        shipped = DEFAULTS | json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {})
        for key, value in scenario.synth_context.items():
            print(
                f"  {key}={value} for this scenario only; cdk.json (make synth, deploy) has "
                f"{shipped.get(key, 'the default')}",
                file=out,
            )


def run_demo(
    scenario_name: str = "success",
    *,
    cdk_out: Path = REPO_ROOT / "cdk.out",
    verbose: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run one scenario end to end and print what happens; 0 if it ended as the scenario expects."""
    from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
    from loadctl.runner.cdk_out import load_synthesized_workflow
    from loadctl.s3_standin import workflow_with_sources

    scenario: Scenario = SCENARIOS[scenario_name]
    print(f"Scenario '{scenario.name}': {scenario.title}", file=out)
    workflow = load_synthesized_workflow(
        scenario_cloud_assembly(scenario, cdk_out, out), scenario.machine
    )
    _print_bounds(workflow.definition, scenario, out)
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(
        data_root=SAMPLES_DIR, clock=clock, records_per_second=RECORDS_PER_SECOND
    )
    started = time.monotonic()
    with workflow_with_sources(workflow, emulator, clock, SAMPLES_DIR) as (runner, s3, endpoint):
        execution_input = scenario.prepare(emulator)
        print(f"Neptune loader emulator on {endpoint}, data from {SAMPLES_DIR}", file=out)
        print(f"S3 stand-in on {s3.endpoint} (source estimates on)", file=out)
        print(f"Execution input: {json.dumps(execution_input)}", file=out)
        print(file=out)
        result = runner.run(execution_input, on_event=_LiveView(runner, out))
        cold_starts = sum(w.cold_starts for w in runner.workers.values())
    wall = time.monotonic() - started

    print(file=out)
    final = result.output if result.status == "SUCCEEDED" else result.cause_json
    if result.status == "SUCCEEDED":
        what = "Results" if scenario.machine == "batch" else "Final status object"
        print(f"Workflow SUCCEEDED. {what}:", file=out)
    else:
        print(f"Workflow {result.status}: Error {result.error}. Cause:", file=out)
    if isinstance(final, dict) and "rootFailures" in final:
        print("\n".join(batch_cause_lines(final)), file=out)
        print(file=out)
    elif isinstance(final, dict) and isinstance(final.get("loads"), list):
        print("\n".join(batch_result_lines(final["loads"])), file=out)
        print(file=out)
    elif isinstance(final, dict) and "state" in final:
        print(format_status(final), file=out)
        print(file=out)
    print(to_json(final if final is not None else result.cause), file=out)
    if verbose:
        for record in result.invocations:
            print(f"--- logs of {record.function} ({record.handler})", file=out)
            print(record.logs.rstrip(), file=out)
    print(file=out)
    # A batch checks its loads inside the controller's calls, not through the status Lambda.
    checks = f"{result.status_checks} status checks, " if result.status_checks else ""
    print(
        f"Summary: {checks}{result.transitions} transitions, "
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


__all__ = ["SCENARIOS", "poll_bounds", "run_demo", "scenario_cloud_assembly"]
