"""Text rendering shared by the CLI and the demo: status objects, per-check lines, the live view.

A check is shown from the status object alone: percent and ETA from the source estimate
(``status["estimate"]``, absent unless the deployment estimates from S3), counts otherwise,
because Neptune reports running counters but no totals. `check_line` is the plain line (logs, CI,
the demo); `LiveWatch` draws the same facts with rich's progress display on a terminal.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, Progress, TextColumn
from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console, RenderableType
    from rich.progress import Task

# A load is done when Neptune says so: until then (and on failure) the bar stops short of full.
_NOT_DONE_MAX_PERCENT = 99.0


def duration(seconds: float) -> str:
    """``45 s``, ``2 min 05 s``, ``3 h 07 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class CheckFacts:
    """What one status check tells a person: read once, rendered by both views."""

    load_id: str
    state: str
    neptune: str
    records: int
    expected_records: int | None
    percent: float | None
    eta_seconds: float | None
    rate: float | None
    elapsed: float
    files_done: int
    files: int
    errors: int
    next_wait: float | None

    @classmethod
    def of(cls, status: dict[str, Any]) -> CheckFacts:
        """The facts of ``status`` (any status object, with or without ``estimate``)."""
        progress = status.get("progress") or {}
        estimate = status.get("estimate") or {}
        state = str(status.get("state") or "?")
        records = int(_number(progress.get("totalRecords")) or 0)
        elapsed = _number(progress.get("totalTimeSpent")) or 0.0
        percent = _number(estimate.get("percent"))
        if state == "SUCCEEDED":
            percent = 100.0
        elif percent is not None:
            percent = max(0.0, min(_NOT_DONE_MAX_PERCENT, percent))
        eta = _number(estimate.get("etaSeconds"))
        expected = _number(estimate.get("expectedRecords"))
        feeds = progress.get("feedCount") or {}
        counts = {name: int(_number(n) or 0) for name, n in feeds.items()}
        terminal = bool(status.get("terminal"))
        return cls(
            load_id=str(status.get("loadId") or "?"),
            state=state,
            neptune=str(status.get("neptuneStatus") or status.get("reason") or "-"),
            records=records,
            expected_records=int(expected) if expected is not None and not terminal else None,
            percent=percent,
            eta_seconds=None if terminal else eta,
            rate=records / elapsed if elapsed > 0 else None,
            elapsed=elapsed,
            files_done=counts.get("LOAD_COMPLETED", 0),
            files=sum(counts.values()),
            errors=sum(
                int(_number(progress.get(key)) or 0)
                for key in ("parsingErrors", "datatypeMismatchErrors", "insertErrors")
            ),
            next_wait=None if terminal else _number(status.get("nextWaitSeconds")),
        )

    def done_text(self) -> str:
        """``37%, about 2 min 10 s left, files 1 of 3 loaded``: percent and time left when the
        estimate gives them, and the files Neptune counted."""
        parts = []
        if self.percent is not None:
            parts.append(f"{self.percent:.0f}%")
        if self.eta_seconds is not None:
            parts.append(f"about {duration(self.eta_seconds)} left")
        if self.files:
            parts.append(f"files {self.files_done} of {self.files} loaded")
        return ", ".join(parts)

    def records_text(self) -> str:
        """``348 of about 940 records, 12.3/s, errors 2``."""
        text = f"{self.records:,}"
        if self.expected_records:
            text += f" of about {self.expected_records:,}"
        text += " records"
        if self.rate is not None:
            text += f", {self.rate:,.1f}/s"
        if self.errors:
            text += f", errors {self.errors:,}"
        return text


def check_line(status: dict[str, Any]) -> str:
    """One plain line for a check (no terminal needed): state, progress, time, next check."""
    facts = CheckFacts.of(status)
    parts = [facts.done_text(), facts.records_text(), f"elapsed {duration(facts.elapsed)}"]
    if facts.state == "RETRY":  # nothing was read: its counters are zeros, not news
        parts = ["the status could not be read this time"]
    if facts.next_wait is not None:
        parts.append(f"next check in {facts.next_wait:g} s")
    return f"{facts.state:<11} {facts.neptune:<24}  " + ", ".join(part for part in parts if part)


class _Bar(BarColumn):
    """rich's bar, red for a failed load (whose bar never fills: see `CheckFacts`)."""

    def render(self, task: Task) -> Any:
        bar = super().render(task)
        if task.fields.get("failed"):
            bar.complete_style = bar.finished_style = "red"
        return bar


class _WatchProgress(Progress):
    """rich's Progress drawn on three lines, to fit 80 columns: the load and its state; the bar
    and percent; records, rate, elapsed time and the countdown to the next check (recomputed at
    each refresh, so it counts down between checks)."""

    def get_renderables(self) -> Iterable[RenderableType]:
        for task in self.tasks:
            state = str(task.fields["state"])
            yield Text.assemble(
                ("Load ", "dim"),
                (str(task.description), "bold"),
                "  ",
                (state, _STATE_STYLES.get(state.split(" ", maxsplit=1)[0], "")),
            )
            yield self.make_tasks_table([task])
            details = str(task.fields["details"])
            at = task.fields["next_check_at"]
            if at is not None:
                details += f", next check in {max(0.0, at - time.monotonic()):.0f} s"
            yield Text(details, style="dim")


_STATE_STYLES = {"SUCCEEDED": "bold green", "FAILED": "bold red", "RETRY": "yellow"}


class LiveWatch:
    """rich's live progress display of one load on a terminal: use as a context manager, call
    `show` after each check and `waiting` before each wait."""

    def __init__(self, console: Console, load_id: str) -> None:
        self._progress = _WatchProgress(
            _Bar(bar_width=30), TextColumn("{task.fields[done]}"), console=console
        )
        self._task = self._progress.add_task(
            load_id, total=None, state="checking", done="", details="", next_check_at=None
        )

    def __enter__(self) -> LiveWatch:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def show(self, status: dict[str, Any]) -> None:
        """Draw one check: percent when the estimate gives one, a moving bar otherwise."""
        facts = CheckFacts.of(status)
        if facts.state == "RETRY":  # nothing was read: keep what the last check showed
            state = f"RETRY ({facts.neptune}): will check again"
            self._progress.update(self._task, state=state, next_check_at=None)
            self._progress.refresh()
            return
        known = facts.percent is not None or facts.state == "FAILED"
        self._progress.update(
            self._task,
            total=100.0 if known else None,
            completed=facts.percent or 0.0,
            state=f"{facts.state} ({facts.neptune})",
            done=facts.done_text(),
            details=f"{facts.records_text()}, elapsed {duration(facts.elapsed)}",
            failed=facts.state == "FAILED",
            next_check_at=None,
        )
        self._progress.refresh()

    def waiting(self, seconds: float) -> None:
        """Start the countdown to the next check (``seconds`` of real time)."""
        self._progress.update(self._task, next_check_at=time.monotonic() + seconds)
        self._progress.refresh()


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
    done = CheckFacts.of(status).done_text()
    estimate = status.get("estimate") or {}
    basis = f"{estimate.get('basis')}" + (
        f": {estimate['basisDetail']}" if estimate.get("basisDetail") else ""
    )
    if estimate and (done or estimate.get("basisDetail")):
        lines.append(f"Estimate    {done or 'unknown'} ({basis})")
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
