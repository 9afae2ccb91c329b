"""Batches of 1, 10 and 200 one-hour loads through the synthesized batch workflow, compared with
watching each load in its own execution of the single-load workflow (docs/benchmarks.md,
"Batches"). ``python -m bench.batch`` regenerates only this section; ``python -m bench`` runs it
after the other sections.

Method: the batch workflow runs in the local runner (moto's ASL interpreter, the real controller
Lambda in a worker process) against the emulator on a manual clock, so every wait, check and
history event is the workflow's own. Each load is the clean sample (3 files, 552 records) with the
emulator's rate set so that one load runs one hour; Neptune runs them one after the other. The
one-execution-per-load figures come from one real run of the single-load workflow on the same
one-hour load, plus the checks each execution makes while its load waits in Neptune's queue
(``queued_wait`` apart: (k - 1) hours for the k-th load), counted with the loop's per-check cost
read from the definition.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SOURCE = "s3://neptune-samples/good/"
SAMPLE_RECORDS = 552
LOAD_SECONDS = 3600.0
SIZES = (1, 10, 200)
# Published on-demand prices, us-east-1 (the same as bench/run.py's).
PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000
# Billed time assumed per Lambda call (a controller call makes a few HTTP calls; sending a
# window of 64 loads takes longer, once): generous for both functions.
BILLED_SECONDS_PER_CALL = 1.0
MEMORY_GB = 256 / 1024
START = "<!-- batch:start -->"
END = "<!-- batch:end -->"


def _lambda_cost(calls: int) -> float:
    return calls * (
        PRICE_PER_REQUEST + PRICE_PER_GB_SECOND_ARM * MEMORY_GB * BILLED_SECONDS_PER_CALL
    )


def _run(machine: str, cdk_out: Path, execution_input: dict[str, Any]) -> dict[str, Any]:
    from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
    from loadctl.runner import workflow_on_emulator
    from loadctl.runner.cdk_out import load_synthesized_workflow

    workflow = load_synthesized_workflow(cdk_out, machine)  # type: ignore[arg-type]
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=clock, records_per_second=SAMPLE_RECORDS / LOAD_SECONDS
    )
    started = time.monotonic()
    with workflow_on_emulator(workflow, emulator, clock) as (runner, _):
        result = runner.run(execution_input, timeout_seconds=3600)
    if result.status != "SUCCEEDED":
        raise RuntimeError(f"{machine} run ended {result.status}: {result.error} {result.cause}")
    checks = sum(
        1 for m, p in emulator.requests if m == "GET" and re.fullmatch(r"/loader/[^/?]+", p)
    )
    return {
        "calls": len(result.invocations),
        "checks": checks,
        "starts": sum(1 for m, p in emulator.requests if m == "POST"),
        "transitions": result.transitions,
        "events": result.events_count,
        "emulated_hours": result.emulated_seconds / 3600,
        "wall_seconds": time.monotonic() - started,
    }


def _separate_executions(loads: int, single: dict[str, Any], cdk_out: Path) -> dict[str, Any]:
    """N single-load executions started together: each makes the one-hour run's checks, plus one
    check every ``queued_wait`` while its load waits behind the loads before it."""
    from bench.workflow import load_definition, loop_cost
    from neptune_loader.wait_policy import WaitPolicy

    cost = loop_cost(load_definition(cdk_out))
    queued_wait = WaitPolicy().queued_wait
    per_check_transitions = len(cost.loop_states)
    per_check_events = 2 * per_check_transitions + 3 * cost.task_states_per_loop
    executions = []
    for k in range(1, loads + 1):
        queued_checks = math.ceil((k - 1) * LOAD_SECONDS / queued_wait)
        executions.append(
            {
                "checks": single["checks"] + queued_checks,
                "transitions": single["transitions"] + queued_checks * per_check_transitions,
                "events": single["events"] + queued_checks * per_check_events,
            }
        )
    checks = sum(e["checks"] for e in executions)
    transitions = sum(e["transitions"] for e in executions)
    return {
        "checks": checks,
        "transitions": transitions,
        "max_events": max(e["events"] for e in executions),
        "over_check_bound": sum(
            1 for e in executions if cost.max_checks is not None and e["checks"] > cost.max_checks
        ),
        "max_checks_bound": cost.max_checks,
        "cost_usd": transitions * PRICE_PER_TRANSITION + _lambda_cost(checks + loads),
    }


def measure(cdk_out: Path, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """Run every batch size and the single-load reference; returns the report's numbers."""
    from infrastructure.constructs.state_errors import LambdaRetryPolicy
    from infrastructure.poll_limits import HISTORY_EVENT_LIMIT, worst_case_history_events
    from neptune_loader.defaults import BATCH_MAX_CYCLES

    single = _run("load", cdk_out, {"source": SOURCE, "format": "csv", "queueRequest": True})
    rows = []
    for size in sizes:
        batch = {
            "loads": [{"name": f"part-{i:03d}", "source": SOURCE} for i in range(size)],
            "defaults": {"format": "csv"},
        }
        run = _run("batch", cdk_out, batch)
        run["loads"] = size
        run["cost_usd"] = run["transitions"] * PRICE_PER_TRANSITION + _lambda_cost(run["calls"])
        run["separate"] = _separate_executions(size, single, cdk_out)
        rows.append(run)
    return {
        "single_load_run": single,
        "rows": rows,
        "worst_case_events": worst_case_history_events(
            max_checks=BATCH_MAX_CYCLES, check_attempts=1 + LambdaRetryPolicy().max_attempts
        ),
        "history_limit": HISTORY_EVENT_LIMIT,
        "max_cycles": BATCH_MAX_CYCLES,
    }


def render(result: dict[str, Any]) -> str:
    """The report's "Batches" section, between its markers."""
    single = result["single_load_run"]
    lines = [
        START,
        "## Batches",
        "",
        __doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        "",
        f"One one-hour load alone in the single-load workflow: {single['checks']} checks, "
        f"{single['transitions']} transitions, {single['events']} history events.",
        "",
        "| loads | hours | controller calls | status checks | starts | transitions | history "
        "events | cost per batch | separate executions: checks | transitions | largest history "
        "| over the check bound | cost |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        s = r["separate"]
        lines.append(
            f"| {r['loads']} | {r['emulated_hours']:.1f} | {r['calls']} | {r['checks']} | "
            f"{r['starts']} | {r['transitions']:,} | {r['events']:,} | ${r['cost_usd']:.4f} | "
            f"{s['checks']:,} | {s['transitions']:,} | {s['max_events']:,} | "
            f"{s['over_check_bound']} of {r['loads']} | ${s['cost_usd']:.2f} |"
        )
    lines += [
        "",
        f"History bound: a batch execution may take at most {result['max_cycles']:,} cycles, "
        f"{result['worst_case_events']:,} history events in the worst case (every Lambda retry "
        f"used) against the limit of {result['history_limit']:,}; checked at synth. The "
        "separate-execution columns count every check as if the loop had no bound; in fact the "
        "executions over the check bound (pollMaxChecks) end `NeptuneLoadTimedOut` while their "
        "load still waits in the queue. Watching the loads one after the other in one execution "
        f"with the single-load loop would take {single['events']:,} events per load: "
        + ", ".join(f"{r['loads'] * single['events']:,} for {r['loads']}" for r in result["rows"])
        + ".",
        END,
    ]
    return "\n".join(lines) + "\n"


def update_report(report: Path, result: dict[str, Any]) -> None:
    """Replace (or append) the "Batches" section of ``report``; the rest stays as it is."""
    text = report.read_text() if report.exists() else ""
    section = render(result)
    if START in text and END in text:
        text = text[: text.index(START)] + section.rstrip("\n") + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.batch``: measure and update docs/benchmarks.md and benchmarks-batch.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__)
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    result = measure(args.cdk_out, tuple(args.sizes))
    (args.out / "benchmarks-batch.json").write_text(json.dumps(result, indent=2) + "\n")
    update_report(args.out / "benchmarks.md", result)
    print(render(result))
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT / "lambdas"))
    raise SystemExit(main())
