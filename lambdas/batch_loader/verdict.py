"""The batch's one verdict: a result per load, or a Fail Cause that separates root failures from
the loads that failed because a dependency failed (docs/contract.md, "Batch")."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from neptune_loader.coerce import clip

if TYPE_CHECKING:
    from batch_loader.batch_input import Batch

# Neptune's status for a queued load whose dependency failed (reference §2 row 14, §3.1).
DEPENDENCY_FAILED = "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED"
# Our own status for a load never sent because a load it depends on failed.
NOT_SENT = "NOT_SENT"
CASCADE_STATUSES = frozenset({DEPENDENCY_FAILED, NOT_SENT})
# Step Functions caps a Fail Cause at 32,768 characters; leave room for the JSON around lists.
MAX_CAUSE_CHARS = 30_000
MAX_SAMPLE_CHARS = 300


def result_of(name: str, record: dict[str, Any]) -> dict[str, Any]:
    """One load's result: name, load id, state, reason, records, errors, duration."""
    result = {
        "name": name,
        "loadId": record.get("id"),
        "state": record.get("v", "UNFINISHED"),
        "neptuneStatus": record.get("s"),
        "reason": record.get("r", ""),
        "records": record.get("n", 0),
        "errors": record.get("e", 0),
        "durationSeconds": record.get("d", 0),
        "resubmits": record.get("k", 0),
    }
    if record.get("x"):
        result["errorSample"] = record["x"]
    return result


def success_output(batch: Batch, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The execution's output when every load succeeded."""
    loads = [
        result_of(load.name, record) for load, record in zip(batch.loads, records, strict=True)
    ]
    return {
        "state": "SUCCEEDED",
        "loads": loads,
        "total": {
            "loads": len(loads),
            "records": sum(int(r["records"]) for r in loads),
            "errors": sum(int(r["errors"]) for r in loads),
            "durationSeconds": sum(r["durationSeconds"] for r in loads),
        },
    }


def failure_cause(batch: Batch, records: list[dict[str, Any]], *, timed_out: bool = False) -> str:
    """The ``NeptuneBatchFailed`` Cause: a JSON string (``message``, ``rootFailures``,
    ``dependencyFailures``, ``succeeded``), shortened to fit Step Functions' Cause limit."""
    roots, cascades, succeeded, unfinished = [], [], [], []
    for index, (load, record) in enumerate(zip(batch.loads, records, strict=True)):
        if record.get("v") == "SUCCEEDED":
            succeeded.append(load.name)
        elif record.get("v") != "FAILED":
            unfinished.append(
                {"name": load.name, "loadId": record.get("id"), "status": record.get("s")}
            )
        elif record.get("s") in CASCADE_STATUSES:
            failed_deps = [
                batch.loads[j].name
                for j in effective_dependencies(batch, index)
                if records[j].get("v") == "FAILED"
            ]
            cascades.append(
                {
                    "name": load.name,
                    "loadId": record.get("id"),
                    "status": record["s"],
                    "failedDependencies": failed_deps,
                }
            )
        else:
            roots.append(
                {
                    "name": load.name,
                    "loadId": record.get("id"),
                    "status": record.get("s"),
                    "reason": record.get("r", ""),
                    "errorSample": record.get("x", ""),
                }
            )
    first = roots[0] if roots else None
    message = (
        f"{len(roots)} load(s) failed"
        + (f" (first: {first['name']}: {first['reason']})" if first else "")
        + f", {len(cascades)} failed because a load they depend on failed, "
        f"{len(succeeded)} of {len(records)} succeeded"
        + (
            f"; {len(unfinished)} still unfinished when the batch ran out of checks"
            if timed_out
            else ""
        )
    )
    cause: dict[str, Any] = {
        "message": message,
        "rootFailures": roots,
        "dependencyFailures": cascades,
        "succeeded": succeeded,
    }
    if unfinished:
        cause["unfinished"] = unfinished
    text = json.dumps(cause)
    for key in ("succeeded", "unfinished", "dependencyFailures", "rootFailures"):
        while len(text) > MAX_CAUSE_CHARS and cause.get(key):
            cause[key] = cause[key][: len(cause[key]) // 2]
            cause[f"{key}Truncated"] = True
            text = json.dumps(cause)
    return clip(text, MAX_CAUSE_CHARS)


def effective_dependencies(batch: Batch, index: int) -> tuple[int, ...]:
    """The loads that ``index`` waits for: its ``dependsOn`` and, unless ``continueOnFailure``,
    the load listed before it, so that a failure stops everything after it (Neptune cascades)."""
    declared = batch.loads[index].depends_on
    if batch.continue_on_failure or index == 0 or index - 1 in declared:
        return declared
    return (*declared, index - 1)
