"""The exit codes of ``python -m loadctl``, one per outcome a script may act on.

`EXIT_CODES` is the one table: ``--help`` shows each command's rows (`help_epilog`) and the
README's table is `markdown_table` (tests/cli keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes of `watch` and `status` (and `demo`), one per workflow outcome.
EXIT_SUCCEEDED = 0
EXIT_LOAD_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMED_OUT = 3
EXIT_STATUS_UNAVAILABLE = 4
EXIT_INVALID_INPUT = 5
# Exit codes of `start` when Neptune does not accept the request, one per start-Lambda error.
EXIT_START_REJECTED = 6  # NeptuneRequestRejected: fix the request or the cluster, then start again
EXIT_START_TRANSIENT = 7  # NeptuneTransientError: nothing started; safe to try again later
EXIT_START_OUTCOME_UNKNOWN = 8  # NeptuneStartOutcomeUnknown: list the loads before trying again
# Exit codes of `status` for a load that has not ended, and of `watch` when it cannot start.
EXIT_IN_PROGRESS = 9
EXIT_STATUS_RETRY = 10
EXIT_UNREACHABLE = 11
# Ctrl-C: 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class ExitCode:
    """One row of the table: a code, the commands that return it and what it means there."""

    code: int
    commands: tuple[str, ...]
    meaning: str


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(EXIT_SUCCEEDED, ("status", "watch"), "the load succeeded (LOAD_COMPLETED)"),
    ExitCode(
        EXIT_SUCCEEDED,
        ("start",),
        "the load was started (or found, when its start's answer was lost); its id is printed",
    ),
    ExitCode(EXIT_SUCCEEDED, ("demo",), "the workflow ended as the scenario expects"),
    ExitCode(EXIT_SUCCEEDED, ("batch",), "every load of the batch succeeded"),
    ExitCode(EXIT_SUCCEEDED, ("emulator",), "stopped with Ctrl-C"),
    ExitCode(EXIT_LOAD_FAILED, ("status", "watch"), "the load failed (state FAILED)"),
    ExitCode(EXIT_LOAD_FAILED, ("demo",), "the workflow did not end as the scenario expects"),
    ExitCode(
        EXIT_LOAD_FAILED,
        ("batch",),
        "a load failed or the batch ran out of cycles; the Cause is printed",
    ),
    ExitCode(
        EXIT_USAGE,
        ("status", "watch", "start", "demo", "batch"),
        "bad options or configuration (no endpoint, no region for a signed request)",
    ),
    ExitCode(
        EXIT_USAGE,
        ("emulator",),
        "bad options, a --data-root that is not a folder, or a port it cannot listen on",
    ),
    ExitCode(
        EXIT_TIMED_OUT,
        ("watch",),
        "gave up: still running at --max-checks or --max-total-wait; the load goes on",
    ),
    ExitCode(
        EXIT_STATUS_UNAVAILABLE,
        ("watch",),
        "gave up: the status could not be read --max-consecutive-retries times in a row",
    ),
    ExitCode(
        EXIT_STATUS_UNAVAILABLE,
        ("status",),
        "the answer is one the workflow cannot act on (state UNAVAILABLE to the workflow)",
    ),
    ExitCode(
        EXIT_INVALID_INPUT,
        ("status", "watch", "start", "batch"),
        "invalid load id, loader request or batch; nothing was sent",
    ),
    ExitCode(
        EXIT_START_REJECTED,
        ("start",),
        "Neptune rejected the request (e.g. unknown bucket, access denied)",
    ),
    ExitCode(
        EXIT_START_TRANSIENT,
        ("start",),
        "nothing was started (throttled, queue full, or the answer was lost and no load was "
        "found); safe to try again",
    ),
    ExitCode(
        EXIT_START_OUTCOME_UNKNOWN,
        ("start",),
        "a load may have started and could not be found (or its id is not a UUID): list the "
        "loads before trying again",
    ),
    ExitCode(EXIT_IN_PROGRESS, ("status",), "the load is queued or running (IN_PROGRESS)"),
    ExitCode(
        EXIT_STATUS_RETRY,
        ("status",),
        "this check could not read the status (RETRY: throttled, timed out, unreachable)",
    ),
    ExitCode(
        EXIT_UNREACHABLE,
        ("watch",),
        "Neptune was never reached: the first checks could not connect",
    ),
    ExitCode(
        EXIT_INTERRUPTED,
        ("status", "watch", "start", "demo", "batch"),
        "interrupted (Ctrl-C); a load already started goes on in Neptune",
    ),
)

# How the poll loop ended (neptune_loader.poll_loop.Ending) -> the exit code of `watch`.
WATCH_EXIT_CODES = {
    "SUCCEEDED": EXIT_SUCCEEDED,
    "FAILED": EXIT_LOAD_FAILED,
    "TIMED_OUT": EXIT_TIMED_OUT,
    "UNAVAILABLE": EXIT_STATUS_UNAVAILABLE,
}

# Where RouteOnState sends one check (neptune_loader.poll_loop.Route) -> the exit code of `status`.
STATUS_EXIT_CODES = {
    "SUCCEEDED": EXIT_SUCCEEDED,
    "FAILED": EXIT_LOAD_FAILED,
    "COUNT_CHECK": EXIT_IN_PROGRESS,
    "COUNT_RETRY": EXIT_STATUS_RETRY,
    "UNAVAILABLE": EXIT_STATUS_UNAVAILABLE,
}


# The Lambdas' deliberate errors (lambdas/neptune_loader/exceptions.py), shown as one line.
ERROR_EXIT_CODES = {
    "InvalidInputError": EXIT_INVALID_INPUT,
    "ConfigurationError": EXIT_USAGE,
    "NeptuneRequestRejected": EXIT_START_REJECTED,
    "NeptuneTransientError": EXIT_START_TRANSIENT,
    "NeptuneLoadQueueFull": EXIT_START_TRANSIENT,  # nothing started: try again when the queue drains
    "NeptuneStartOutcomeUnknown": EXIT_START_OUTCOME_UNKNOWN,
}


def help_epilog(command: str) -> str:
    """The exit codes of ``command`` for its ``--help``."""
    rows = [row for row in EXIT_CODES if command in row.commands]
    return "exit codes:\n" + "\n".join(f"  {row.code:<3}  {row.meaning}" for row in rows)


def markdown_table() -> str:
    """Every exit code as the README's Markdown table."""
    lines = ["| code | commands | meaning |", "|---|---|---|"]
    lines += [
        f"| {row.code} | {', '.join(f'`{name}`' for name in row.commands)} | {row.meaning} |"
        for row in EXIT_CODES
    ]
    return "\n".join(lines)
