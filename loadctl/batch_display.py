"""Lines a person reads for a batch: one per load and a total (the CLI's ``batch`` and the demo).

Reads the batch controller's compact records (``lambdas/batch_loader/controller.py`` documents
the short keys) and its per-load results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def _load_line(
    name: str, status: str, *, records: int, errors: int, seconds: float, width: int
) -> str:
    return (
        f"  {name:<{width}}  {status:<44}  {records:>10,} records  {errors:>6,} errors  "
        f"{seconds:>7.0f} s"
    )


def batch_load_lines(names: Sequence[str], progress: dict[str, Any]) -> list[str]:
    """One line per load from the controller's records, then the total."""
    records = progress.get("loads", [])
    width = max((len(n) for n in names), default=4)
    lines = [
        _load_line(
            name,
            str(r.get("s")),
            records=int(r.get("n", 0)),
            errors=int(r.get("e", 0)),
            seconds=float(r.get("d", 0)),
            width=width,
        )
        for name, r in zip(names, records, strict=False)
    ]
    return [*lines, batch_total_line(progress)]


def batch_total_line(progress: dict[str, Any]) -> str:
    """``cycle N: 3 loads: 2 LOAD_COMPLETED, 1 LOAD_IN_PROGRESS; 1,234 records``."""
    records = progress.get("loads", [])
    counts = Counter(str(r.get("s")) for r in records)
    states = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    total = sum(int(r.get("n", 0)) for r in records)
    return f"cycle {progress.get('cycles', 0)}: {len(records)} loads: {states}; {total:,} records"


def batch_result_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    """One line per load of a finished batch's results, then the total."""
    width = max((len(str(r["name"])) for r in results), default=4)
    lines = [
        _load_line(
            str(r["name"]),
            f"{r['state']} {r['reason']}",
            records=int(r["records"]),
            errors=int(r["errors"]),
            seconds=float(r["durationSeconds"]),
            width=width,
        )
        for r in results
    ]
    failed = sum(1 for r in results if r["state"] != "SUCCEEDED")
    lines.append(
        f"total: {len(results)} loads, {len(results) - failed} succeeded, {failed} failed, "
        f"{sum(int(r['records']) for r in results):,} records"
    )
    return lines


def batch_cause_lines(cause: dict[str, Any]) -> list[str]:
    """A failed batch's Cause in words: the root failures first, then the cascade."""
    lines = [str(cause.get("message", ""))]
    lines += [
        f"  root failure: {r['name']} ({r['status']}): {r.get('errorSample') or r['reason']}"
        for r in cause.get("rootFailures", [])
    ]
    lines += [
        f"  failed because {', '.join(r.get('failedDependencies') or ['a dependency'])} failed: "
        f"{r['name']} ({r['status']})"
        for r in cause.get("dependencyFailures", [])
    ]
    if cause.get("succeeded"):
        lines.append(f"  succeeded: {', '.join(cause['succeeded'])}")
    return lines
