"""Text rendering shared by the CLI and the demo: status objects, progress bars, summaries."""

from __future__ import annotations

import json
from typing import Any

BAR_WIDTH = 30
_UNFINISHED = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE", "LOAD_IN_PROGRESS"})


def feed_fraction(status: dict[str, Any]) -> float | None:
    """Share of feeds (files) finished according to ``progress.feedCount``, if Neptune gave one."""
    feed_count = (status.get("progress") or {}).get("feedCount") or {}
    total = sum(feed_count.values())
    if total <= 0:
        return None
    done = sum(n for name, n in feed_count.items() if name not in _UNFINISHED)
    return float(done) / float(total)


def progress_bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    """``[#########.........]  45%`` (ASCII, so any terminal shows it); unknown shows no fill."""
    if fraction is None:
        return "[" + "?" * width + "]   ?%"
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:3.0f}%"


def progress_line(status: dict[str, Any], expected_records: int | None = None) -> str:
    """One line for a status check: bar, state, Neptune status, records, next wait."""
    progress = status.get("progress") or {}
    records = int(progress.get("totalRecords") or 0)
    # The status object's estimate (source estimates on: expected records, percent, time left).
    estimate = status.get("estimate") or {}
    expected_records = expected_records or estimate.get("expectedRecords")
    if status.get("state") == "SUCCEEDED":
        fraction: float | None = 1.0
    elif estimate.get("percent") is not None:
        fraction = estimate["percent"] / 100
    elif expected_records:
        fraction = records / expected_records
    else:
        fraction = feed_fraction(status)
    neptune = status.get("neptuneStatus") or status.get("reason") or "-"
    line = f"{progress_bar(fraction)}  {status.get('state', '?'):<11} {neptune:<28}"
    line += f" records {records}"
    if expected_records:
        line += f"/{expected_records}"
    errors = sum(
        int(progress.get(key) or 0)
        for key in ("parsingErrors", "datatypeMismatchErrors", "insertErrors")
    )
    if errors:
        line += f", errors {errors}"
    if estimate.get("etaSeconds") is not None and not status.get("terminal"):
        line += f", about {estimate['etaSeconds']} s left"
    if status.get("nextWaitSeconds") is not None and not status.get("terminal"):
        line += f", next check in {status['nextWaitSeconds']} s"
    return line


def format_status(status: dict[str, Any]) -> str:
    """The normalized status object as a person reads it."""
    progress = status.get("progress") or {}
    lines = [
        f"Load        {status.get('loadId')}",
        f"State       {status.get('state')}"
        + (" (terminal)" if status.get("terminal") else "")
        + (" - resubmit with mode RESUME may succeed" if status.get("retryable") else ""),
        f"Neptune     {status.get('neptuneStatus')}   reason {status.get('reason')}",
        f"Message     {status.get('message')}",
        f"Records     {progress.get('totalRecords', 0)} loaded, "
        f"{progress.get('totalDuplicates', 0)} duplicates, "
        f"{progress.get('parsingErrors', 0)} parsing / "
        f"{progress.get('datatypeMismatchErrors', 0)} datatype / "
        f"{progress.get('insertErrors', 0)} insert errors",
        f"Time spent  {progress.get('totalTimeSpent', 0)} s"
        + (f", run {progress['runNumber']}" if progress.get("runNumber") else ""),
    ]
    feeds = progress.get("feedCount") or {}
    if feeds:
        lines.append("Feeds       " + ", ".join(f"{k} {v}" for k, v in feeds.items()))
    if status.get("nextWaitSeconds") is not None and not status.get("terminal"):
        lines.append(f"Next check  in {status['nextWaitSeconds']} s")
    errors = status.get("errors")
    if errors:
        by_code = ", ".join(f"{k} {v}" for k, v in (errors.get("byCode") or {}).items())
        lines.append(
            f"Errors      {by_code or 'none listed'} ({errors.get('fetched', 0)} fetched"
            + (", list cut" if errors.get("truncated") else "")
            + ")"
        )
        for entry in errors.get("sample") or []:
            lines.append(
                f"  - {entry.get('errorCode')} {entry.get('fileName')}"
                f"#{entry.get('recordNum')}: {entry.get('errorMessage')}"
            )
    for feed in status.get("failedFeeds") or []:
        lines.append(f"Failed feed {feed.get('fullUri')}: {feed.get('status')}")
    return "\n".join(lines)


def to_json(value: Any) -> str:
    """Pretty JSON for terminal output."""
    return json.dumps(value, indent=2, sort_keys=False)
