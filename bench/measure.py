"""Process-level measurements: cold start, warm call and peak memory, each in fresh child
processes so that nothing the parent imported (the emulator, matplotlib) is counted."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAMBDAS = ROOT / "lambdas"

# The environment the status Lambda runs with, pointed at the emulator; tracing off as locally
# (no X-Ray daemon). Dummy credentials: requests are SigV4-signed as in the deployed function.
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "NEPTUNE_IAM_AUTH": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "neptune-load-status",
    "POWERTOOLS_METRICS_NAMESPACE": "NeptuneBulkLoad",
}

_TIMED = """
import json, sys, time
t0 = time.perf_counter()
{body}
sys.stderr.write(json.dumps({{"init": time.perf_counter() - t0}}) + "\\n")
"""
COLD_SCRIPTS = {
    "handler": _TIMED.format(
        body="from loader_status import handler\nhandler._checker()  # the client the handler keeps"
    ),
    "floor": _TIMED.format(
        body=(
            "import os, boto3\n"
            "boto3.session.Session().client('neptunedata', "
            "endpoint_url=os.environ['NEPTUNE_ENDPOINT'], region_name=os.environ['AWS_REGION'])"
        )
    ),
    "peer": _TIMED.format(body="import awswrangler.neptune"),
}

# One invocation per call of `invoke()` in the warm and memory children.
_CHILD_PRELUDE = """
import json, os, resource, statistics, sys, time
from dataclasses import dataclass
out_path, load_id, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 1)  # the handler logs and emits metrics on stdout, as in Lambda

@dataclass
class Context:
    function_name: str = "loader-status"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:loader-status"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    def get_remaining_time_in_millis(self) -> int:
        return 15_000
"""
WARM_SCRIPT = (
    _CHILD_PRELUDE
    + """
import boto3
from loader_status import handler
bare = boto3.session.Session().client(
    "neptunedata", endpoint_url=os.environ["NEPTUNE_ENDPOINT"], region_name="us-east-1")
event, context = {"loadId": load_id, "checks": 3, "consecutiveRetries": 0}, Context()
def run_handler():
    result = handler.handler(event, context)
    assert result["state"] == "IN_PROGRESS", result
def run_bare():
    assert bare.get_loader_job_status(loadId=load_id)["payload"]["overallStatus"]
for fn in (run_handler, run_bare):
    for _ in range(20):
        fn()  # warm: connection pools, caches, first-call imports
times = {"handler": [], "bare": []}
for i in range(iterations):
    # Alternate in blocks so drift (CPU frequency, the emulator's load) hits both alike.
    for name, fn in (("handler", run_handler), ("bare", run_bare)) if i % 2 else (
        ("bare", run_bare), ("handler", run_handler)):
        t0 = time.perf_counter()
        fn()
        times[name].append(time.perf_counter() - t0)
json.dump(times, open(out_path, "w"))
"""
)
MEMORY_SCRIPTS = {
    "handler": _CHILD_PRELUDE
    + """
from loader_status import handler
result = handler.handler({"loadId": load_id}, Context())
assert result["state"] == "IN_PROGRESS", result
json.dump({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, open(out_path, "w"))
""",
    "floor": _CHILD_PRELUDE
    + """
import boto3
client = boto3.session.Session().client(
    "neptunedata", endpoint_url=os.environ["NEPTUNE_ENDPOINT"], region_name="us-east-1")
assert client.get_loader_job_status(loadId=load_id)["payload"]
json.dump({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, open(out_path, "w"))
""",
}


def child_env(endpoint: str) -> dict[str, str]:
    """The parent's environment plus the Lambda's, with ``lambdas/`` importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(LAMBDA_ENV, NEPTUNE_ENDPOINT=endpoint, PYTHONPATH=str(LAMBDAS))
    return env


@dataclass(frozen=True)
class Summary:
    """Median and 90th percentile of a sample, in the sample's unit."""

    median: float
    p90: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        """Summarize ``values`` (at least two)."""
        return cls(statistics.median(values), statistics.quantiles(values, n=10)[-1], len(values))


def cold_start(endpoint: str, runs: int) -> dict[str, dict[str, Any]]:
    """Run each cold-start script ``runs`` times, interleaved; time in-process init and the whole
    process (interpreter start-up included)."""
    env = child_env(endpoint)
    init: dict[str, list[float]] = {name: [] for name in COLD_SCRIPTS}
    process: dict[str, list[float]] = {name: [] for name in COLD_SCRIPTS}
    for script in COLD_SCRIPTS.values():  # once untimed: compile .pyc files
        subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    for _ in range(runs):
        for name, script in COLD_SCRIPTS.items():
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
            )
            process[name].append(time.perf_counter() - t0)
            init[name].append(json.loads(done.stderr.strip().splitlines()[-1])["init"])
    return {
        name: {"init": Summary.of(init[name]), "process": Summary.of(process[name])}
        for name in COLD_SCRIPTS
    }


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_attribution(endpoint: str, script: str, top: int = 10) -> list[dict[str, Any]]:
    """The heaviest imports (cumulative ms) under ``python -X importtime``, with nesting depth."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        env=child_env(endpoint),
        check=True,
        capture_output=True,
        text=True,
    )
    rows: list[dict[str, Any]] = []
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            rows.append(
                {
                    "module": module,
                    "depth": (len(indent) - 1) // 2,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cumulative_us) / 1000,
                }
            )
    shallow = [row for row in rows if row["depth"] <= 2]
    return sorted(shallow, key=lambda row: -row["cumulative_ms"])[:top]


def _run_child(script: str, endpoint: str, load_id: str, iterations: int) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        subprocess.run(
            [sys.executable, "-c", script, str(out), load_id, str(iterations)],
            env=child_env(endpoint),
            check=True,
            cwd=tmp,
        )
        return json.loads(out.read_text())


def warm_calls(endpoint: str, load_id: str, iterations: int) -> dict[str, Summary]:
    """Per-invocation seconds of the handler and of a bare boto3 call, same process and emulator."""
    times = _run_child(WARM_SCRIPT, endpoint, load_id, iterations)
    return {name: Summary.of(values) for name, values in times.items()}


def peak_memory(endpoint: str, load_id: str, runs: int) -> dict[str, Summary]:
    """Peak RSS (MiB) of a fresh process that imports and runs one invocation."""
    result: dict[str, list[float]] = {name: [] for name in MEMORY_SCRIPTS}
    for _ in range(runs):
        for name, script in MEMORY_SCRIPTS.items():
            result[name].append(_run_child(script, endpoint, load_id, 1)["maxrss_kib"] / 1024)
    return {name: Summary.of(values) for name, values in result.items()}
