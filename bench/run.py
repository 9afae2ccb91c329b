"""Run the benchmarks and write the report (called by ``python -m bench``)."""

from __future__ import annotations

import datetime
import json
import math
import platform
import random
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore

from bench import measure, mix, simulator
from bench.workflow import CDK_OUT, load_definition, loop_cost
from infrastructure.definition import FunctionInfo, find_functions, load_template
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from neptune_loader.settings import load_settings
from neptune_loader.wiring import wait_policy

if TYPE_CHECKING:
    from neptune_loader.wait_policy import WaitPolicy

ROOT = Path(__file__).resolve().parents[1]
# Published on-demand prices, us-east-1 (AWS pricing pages for Step Functions and Lambda).
PRICE_PER_TRANSITION = 0.025 / 1000  # Standard workflows
PRICE_PER_GB_SECOND_ARM = 0.0000133334  # Lambda, arm64 (the house Lambda's architecture)
PRICE_PER_REQUEST = 0.20 / 1_000_000
HISTORY_LIMIT = 25_000
FIXED_INTERVALS = (5, 10, 30)
# Fixed intervals tried on one-file loads, to show what any poller without a signal can reach.
ONE_FILE_FRONTIER = (30, 45, 60, 75, 90, 120)
LONG_LOAD_SECONDS = 900
GOALS = {
    "cold_ratio": 1.15,
    "warm_ratio": 1.2,
    "rss_mib": 60,
    "check_share": 0.40,
    # Source estimates (the users' mix): p95 detection delay, ETA error at half time.
    "mix_p95_delay": 31.0,
    "eta_median_error": 0.15,
}
MIX_LOADS_PER_GROUP = 40


def _machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    import os

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "platform": platform.platform(),
    }


def _status_function() -> FunctionInfo:
    return find_functions(load_template(CDK_OUT))["status"]


def deployed_policy() -> WaitPolicy:
    """The policy as the deployed status Lambda builds it: its settings read from the template's
    environment (the endpoint and region, deploy-time values, from the simulator's settings)."""
    required = {"NEPTUNE_ENDPOINT": simulator.SETTINGS.endpoint, "AWS_REGION": "us-east-1"}
    return wait_policy(load_settings({**required, **_status_function().environment}))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def polling(loads_per_profile: int, seconds_per_check: float, memory_mb: int) -> dict[str, Any]:
    """Simulate every profile under the Lambda's policy and the fixed intervals."""
    cost = loop_cost(load_definition())
    policy = deployed_policy()
    bounds = cost.bounds
    rng = random.Random(20_240_601)
    pollers = ["adaptive (Lambda)", *(f"fixed {s} s" for s in FIXED_INTERVALS)]
    rows: list[dict[str, Any]] = []
    frontier: dict[int, list[simulator.Outcome]] = {w: [] for w in ONE_FILE_FRONTIER}
    for profile in simulator.profiles():
        for load in simulator.sample_loads(profile, loads_per_profile, rng):
            if profile.files == 1 and profile.run_seconds >= LONG_LOAD_SECONDS:
                for w in ONE_FILE_FRONTIER:
                    frontier[w].append(simulator.simulate_fixed(load, w))
            outcomes = {
                "adaptive (Lambda)": simulator.simulate(
                    load,
                    simulator.lambda_poller(policy, cost.initial_wait_seconds),
                    policy,
                    bounds=bounds,
                )
            }
            for seconds in FIXED_INTERVALS:
                outcomes[f"fixed {seconds} s"] = simulator.simulate_fixed(load, seconds)
            for name, outcome in outcomes.items():
                rows.append(
                    {
                        "poller": name,
                        "profile": profile.label,
                        "run_seconds": profile.run_seconds,
                        "files": profile.files,
                        "shape": profile.shape,
                        "queued": profile.queued,
                        "checks": outcome.checks,
                        "delay": outcome.detection_delay,
                        "waited": outcome.waited_seconds,
                        "transitions": cost.transitions(outcome.checks),
                        "events": cost.history_events(outcome.checks),
                        "bound_hit": outcome.bound_hit,
                    }
                )

    def cost_per_load(checks: float) -> float:
        transitions = cost.transitions(round(checks)) * PRICE_PER_TRANSITION
        lambda_cost = checks * (
            PRICE_PER_REQUEST + PRICE_PER_GB_SECOND_ARM * memory_mb / 1024 * seconds_per_check
        )
        return transitions + lambda_cost

    def summarize(selected: list[dict[str, Any]]) -> dict[str, Any]:
        checks = [r["checks"] for r in selected]
        delays = [r["delay"] for r in selected]
        return {
            "loads": len(selected),
            "mean_checks": statistics.fmean(checks),
            "max_checks": max(checks),
            "p50_delay": statistics.median(delays),
            "p95_delay": _p95(delays),
            "max_delay": max(delays),
            "mean_transitions": statistics.fmean(r["transitions"] for r in selected),
            "max_events": max(r["events"] for r in selected),
            "cost_per_load_usd": cost_per_load(statistics.fmean(checks)),
        }

    groups: dict[str, Any] = {}
    for name in pollers:
        mine = [r for r in rows if r["poller"] == name]
        groups[name] = {
            "all": summarize(mine),
            ">=15 min": summarize([r for r in mine if r["run_seconds"] >= LONG_LOAD_SECONDS]),
            ">=15 min, 1 file": summarize(
                [r for r in mine if r["run_seconds"] >= LONG_LOAD_SECONDS and r["files"] == 1]
            ),
            ">=15 min, 4+ files": summarize(
                [r for r in mine if r["run_seconds"] >= LONG_LOAD_SECONDS and r["files"] > 1]
            ),
        }
    by_profile: dict[str, dict[str, Any]] = {}
    for name in pollers:
        for label in dict.fromkeys(r["profile"] for r in rows):
            selected = [r for r in rows if r["poller"] == name and r["profile"] == label]
            by_profile.setdefault(label, {})[name] = summarize(selected)
    over_bounds = [r for r in rows if r["poller"] == "adaptive (Lambda)" and r["bound_hit"]]
    base = statistics.fmean(o.checks for o in frontier[30])
    one_file_frontier = [
        {
            "interval": w,
            "check_share": statistics.fmean(o.checks for o in outcomes) / base,
            "p95_delay": _p95([o.detection_delay for o in outcomes]),
        }
        for w, outcomes in frontier.items()
    ]
    return {
        "one_file_frontier": one_file_frontier,
        "loop": asdict(cost),
        "policy": asdict(policy),
        "groups": groups,
        "by_profile": by_profile,
        "rows": rows,
        "over_workflow_bounds": len(over_bounds),
        "over_workflow_bounds_profiles": sorted({r["profile"] for r in over_bounds}),
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """Mean checks against p95 detection delay per poller, per duration (loads >= 15 min)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for poller, marker in zip(
        ["adaptive (Lambda)", *(f"fixed {s} s" for s in FIXED_INTERVALS)], "o^sD", strict=True
    ):
        for files, fill in ((1, "none"), (4, None)):
            xs, ys = [], []
            for duration in simulator.DURATIONS:
                if duration < LONG_LOAD_SECONDS:
                    continue
                selected = [
                    r
                    for r in rows
                    if r["poller"] == poller
                    and r["run_seconds"] == duration
                    and ((r["files"] == 1) if files == 1 else (r["files"] > 1))
                ]
                xs.append(_p95([r["delay"] for r in selected]))
                ys.append(statistics.fmean(r["checks"] for r in selected))
            label = f"{poller}, {'1 file' if files == 1 else '4+ files'}"
            ax.plot(xs, ys, marker=marker, linestyle=":", label=label, fillstyle=fill or "full")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("p95 detection delay (s)")
    ax.set_ylabel("checks per load (mean)")
    ax.set_title("Checks vs detection delay, loads of 15 min to 24 h (one point per duration)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_all(*, runs: int, iterations: int, loads_per_profile: int, out: Path) -> dict[str, Any]:
    """Measure everything, write ``benchmarks.md``, ``benchmarks.json`` and the plot to ``out``."""
    started = datetime.datetime.now(datetime.UTC)
    emulator = NeptuneLoaderEmulator(
        data_root=ROOT / "samples", clock=ManualClock(start=1_700_000_000.0)
    )
    with emulator.serve(port=0) as endpoint:
        load_id = emulator.put_load(
            status="LOAD_IN_PROGRESS",
            overall={"totalTimeSpent": 120, "totalRecords": 5000},
            feed_count=[{"LOAD_COMPLETED": 3}, {"LOAD_IN_PROGRESS": 1}],
        )
        print(f"cold start: {runs} fresh processes each ...", flush=True)
        cold = measure.cold_start(endpoint, runs)
        imports = measure.import_attribution(endpoint, measure.COLD_SCRIPTS["handler"])
        print(f"warm calls: {iterations} of each ...", flush=True)
        warm = measure.warm_calls(endpoint, load_id, iterations)
        print("peak memory ...", flush=True)
        memory = measure.peak_memory(endpoint, load_id, 5)
    memory_mb = _status_function().memory_mb
    print("polling simulation ...", flush=True)
    poll = polling(loads_per_profile, warm["handler"].median, memory_mb)
    print("users' mix, with and without source estimates ...", flush=True)
    cost = loop_cost(load_definition())
    users = mix.run_mix(
        deployed_policy(), cost.initial_wait_seconds, cost.bounds, MIX_LOADS_PER_GROUP
    )
    result: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "cold_start": {k: {m: asdict(s) for m, s in v.items()} for k, v in cold.items()},
        "import_attribution": imports,
        "warm_call": {k: asdict(v) for k, v in warm.items()},
        "memory_mib": {k: asdict(v) for k, v in memory.items()},
        "lambda_memory_mb": memory_mb,
        "polling": {k: v for k, v in poll.items() if k != "rows"},
        "users_mix": {k: v for k, v in users.items() if k != "rows"},
    }
    result["goals"] = goals(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(poll, out / "benchmarks-polling.png")
    from bench.report import render

    (out / "benchmarks.md").write_text(render(result, runs=runs, iterations=iterations))
    from bench import batch  # its own section and JSON file (docs/benchmarks.md, "Batches")

    batch_result = batch.measure(CDK_OUT)
    (out / "benchmarks-batch.json").write_text(json.dumps(batch_result, indent=2) + "\n")
    batch.update_report(out / "benchmarks.md", batch_result)
    print(f"wrote {out / 'benchmarks.md'}")
    return result


def goals(result: dict[str, Any]) -> dict[str, Any]:
    """Each goal of the issue with its measured value and whether it is met."""
    cold = result["cold_start"]
    cold_ratio = cold["handler"]["init"]["median"] / cold["floor"]["init"]["median"]
    warm = result["warm_call"]
    warm_ratio = warm["handler"]["median"] / warm["bare"]["median"]
    rss = result["memory_mib"]["handler"]["median"]
    groups = result["polling"]["groups"]
    fixed30 = groups["fixed 30 s"]
    adaptive = groups["adaptive (Lambda)"]
    out: dict[str, Any] = {
        "cold_start_ratio": {"value": cold_ratio, "goal": GOALS["cold_ratio"]},
        "warm_call_ratio": {"value": warm_ratio, "goal": GOALS["warm_ratio"]},
        "peak_rss_mib": {"value": rss, "goal": GOALS["rss_mib"]},
    }
    for key in (">=15 min", ">=15 min, 4+ files", ">=15 min, 1 file"):
        share = adaptive[key]["mean_checks"] / fixed30[key]["mean_checks"]
        out[f"checks_vs_fixed30 ({key})"] = {"value": share, "goal": GOALS["check_share"]}
        out[f"p95_delay_vs_fixed30 ({key})"] = {
            "value": adaptive[key]["p95_delay"],
            "goal": fixed30[key]["p95_delay"],
        }
    for key, entry in result["users_mix"]["summary"].items():
        group, band = key.split(" | ")
        if group == "all":
            continue
        with_est = entry["with"]
        if band == ">=15 min":
            out[f"with estimates, checks vs fixed 30 s ({group}, >=15 min)"] = {
                "value": with_est["check_share"],
                "goal": GOALS["check_share"],
            }
            out[f"with estimates, p95 delay s ({group}, >=15 min)"] = {
                "value": with_est["p95_delay"],
                "goal": GOALS["mix_p95_delay"],
            }
        else:
            out[f"with estimates, checks vs fixed 30 s ({group}, <15 min)"] = {
                "value": with_est["check_share"],
                "goal": 1.0,
            }
    eta = result["users_mix"]["summary"]
    out["ETA median error at half time (all loads >=15 min)"] = {
        "value": eta["all | >=15 min"]["eta_median_error"],
        "goal": GOALS["eta_median_error"],
    }
    for shape, value in result["users_mix"]["eta_median_error_by_shape"].items():
        out[f"ETA median error at half time ({shape} loads)"] = {
            "value": value,
            "goal": GOALS["eta_median_error"],
        }
    out["max_history_events_24h"] = {
        "value": adaptive["all"]["max_events"],
        "goal": HISTORY_LIMIT,
    }
    for item in out.values():
        item["met"] = item["value"] <= item["goal"] * (1 + 1e-9)
    return out
