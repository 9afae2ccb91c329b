"""``python -m loadctl watch`` as a person sees it: rich's live display on a terminal, one plain
line per check elsewhere, Ctrl-C, and a quick answer when Neptune cannot be reached.

Driven in-process against the emulator over real HTTP; the terminal is rich's own (forced with
``TTY_COMPATIBLE=1``, as a user's terminal would be detected, or a recording console).
"""

from __future__ import annotations

import io
import re
import socket
import time
from typing import Any

import pytest
from rich.console import Console

from loadctl.cli import main
from loadctl.demo.display import LiveWatch, check_line
from loadctl.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_LOAD_FAILED,
    EXIT_STATUS_RETRY,
    EXIT_SUCCEEDED,
    EXIT_UNREACHABLE,
)
from loadctl.load_commands import (
    UNREACHABLE_AFTER,
    UNREACHABLE_PROBE_WAIT_SECONDS,
    watch_load,
)
from tests.cli.harness import BROKEN, GOOD, GOOD_RECORDS, LOAD_ID, Cli

STYLE = re.compile(r"\x1b\[[0-9;]*m")
CURSOR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FULL_BAR = "━" * 30  # rich's bar at the width LiveWatch asks for, all complete


def frames(output: str) -> list[str]:
    """The lines a terminal showed, escape codes removed (each redraw repeats the lines)."""
    text = CURSOR.sub("\n", STYLE.sub("", output))
    return [line.rstrip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def running(percent: float | None, **estimate: Any) -> dict[str, Any]:
    """A status object of a running load, with a source estimate when ``percent`` is given."""
    status: dict[str, Any] = {
        "loadId": LOAD_ID,
        "state": "IN_PROGRESS",
        "terminal": False,
        "neptuneStatus": "LOAD_IN_PROGRESS",
        "nextWaitSeconds": 40,
        "progress": {"totalRecords": 348, "totalTimeSpent": 29, "feedCount": {}},
    }
    if percent is not None:
        status["estimate"] = {"percent": percent, "basis": "s3-sample"} | estimate
    return status


@pytest.fixture
def terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli` with stdout a terminal to rich (as detected on a user's), 80 columns, without colour
    so the bar's unfilled part is not drawn."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    return cli


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- on a terminal ---------------------------------------------------------------------------


def test_watch_on_a_terminal_draws_rich_live_progress(terminal: Cli) -> None:
    cli = terminal
    load_id = cli.emulator.start_load(GOOD)

    run = cli.run("watch", load_id)

    shown = frames(run.out)
    assert run.code == EXIT_SUCCEEDED
    assert "\x1b[" in run.out  # drawn in place, not line by line
    assert f"Load {load_id}  SUCCEEDED (LOAD_COMPLETED)" in shown
    assert f"{FULL_BAR} 100%, files 3 of 3 loaded" in shown
    # Between checks: counts (the emulator gives no estimate), rate, elapsed and the countdown.
    details = re.compile(r"\d+ records, [\d.]+/s, elapsed .+, next check in \d+ s")
    assert any(details.fullmatch(line) for line in shown)
    assert any(re.search(r"files \d of 3 loaded$", line) for line in shown)
    assert "State       SUCCEEDED (terminal)" in run.out  # the full status object after it


def test_a_failed_load_never_shows_a_full_bar(terminal: Cli) -> None:
    cli = terminal
    load_id = cli.emulator.start_load(BROKEN)

    run = cli.run("watch", load_id)

    shown = frames(run.out)
    assert run.code == EXIT_LOAD_FAILED
    assert f"Load {load_id}  FAILED (LOAD_FAILED)" in shown
    assert not any(FULL_BAR in line or "100%" in line for line in shown)


def test_percent_and_eta_from_the_source_estimate_on_a_recording_console() -> None:
    # Given checks whose status objects carry the source estimate, and a terminal that records
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None)
    answers = [
        running(37.4, expectedRecords=940, etaSeconds=125),
        {
            **running(None),
            "state": "RETRY",
            "neptuneStatus": None,
            "reason": "THROTTLED",
            "progress": {"totalRecords": 0, "totalTimeSpent": 0},  # zeros: nothing was read
        },
        running(100.0, expectedRecords=940, etaSeconds=0) | {"nextWaitSeconds": 10},
        {**running(None), "state": "SUCCEEDED", "terminal": True, "nextWaitSeconds": None},
    ]
    # When watch draws them
    with LiveWatch(console, LOAD_ID) as live:
        code, _ = watch_load(
            LOAD_ID,
            lambda event: answers[event["checks"]],
            sleep=live.waiting,
            on_status=live.show,
            max_checks=10,
            max_total_wait=3600,
            max_consecutive_retries=3,
        )
    # Then percent, ETA and the expected total while it runs; a full bar only once it succeeded
    shown = frames(console.file.getvalue())  # type: ignore[attr-defined]
    assert code == EXIT_SUCCEEDED
    assert "37%, about 2 min 05 s left" in " ".join(shown)
    assert "348 of about 940 records, 12.0/s, elapsed 29 s, next check in 40 s" in shown
    # A RETRY read nothing: the last counts stay on screen
    assert f"Load {LOAD_ID}  RETRY (THROTTLED): will check again" in shown
    assert shown[shown.index(f"Load {LOAD_ID}  RETRY (THROTTLED): will check again") + 2] == (
        "348 of about 940 records, 12.0/s, elapsed 29 s"
    )
    assert any("99%" in line for line in shown)  # Neptune has not said it is done yet
    assert f"{FULL_BAR} 100%" in shown[-2:]


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (
            running(37.4, expectedRecords=940, etaSeconds=725),
            "IN_PROGRESS LOAD_IN_PROGRESS          37%, about 12 min 05 s left, 348 of about "
            "940 records, 12.0/s, elapsed 29 s, next check in 40 s",
        ),
        (
            running(None) | {"progress": {"totalRecords": 0, "feedCount": {"LOAD_IN_QUEUE": 1}}},
            "IN_PROGRESS LOAD_IN_PROGRESS          files 0 of 1 loaded, 0 records, elapsed 0 s, "
            "next check in 40 s",
        ),
        (
            running(100.0, etaSeconds=3) | {"state": "FAILED", "terminal": True},
            "FAILED      LOAD_IN_PROGRESS          99%, 348 records, 12.0/s, elapsed 29 s",
        ),
        (
            running(None) | {"state": "RETRY", "neptuneStatus": None, "reason": "THROTTLED"},
            "RETRY       THROTTLED                 the status could not be read this time, "
            "next check in 40 s",
        ),
    ],
    ids=["estimate", "counts", "failed", "retry"],
)
def test_plain_line_per_check(status: dict[str, Any], line: str) -> None:
    assert check_line(status) == line


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.mark.parametrize("on_terminal", [False, True], ids=["plain", "terminal"])
def test_ctrl_c_says_the_load_goes_on_and_how_to_watch_it_again(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, on_terminal: bool
) -> None:
    # Given a running load, and Ctrl-C pressed during the second wait
    if on_terminal:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
    load_id = cli.emulator.start_load(GOOD)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt
        cli.sleep(seconds)

    # When
    code = main(
        ["watch", load_id, "--endpoint", cli.emulator.endpoint, "--no-iam-auth"], sleep=sleep
    )
    # Then no traceback, the documented exit code, and the exact command to watch it again
    err = cli.capture().err
    assert code == EXIT_INTERRUPTED == 130
    assert "Traceback" not in err
    assert f"Stopped watching {load_id}: the load goes on in Neptune." in err
    assert (
        f"  python -m loadctl watch {load_id} --endpoint {cli.emulator.endpoint} --no-iam-auth\n"
        in err
    )
    # And the load does go on
    assert cli.emulator.status(load_id)["overallStatus"]["status"] == "LOAD_IN_PROGRESS"


# --- Neptune unreachable ---------------------------------------------------------------------


def test_refused_connections_end_watch_with_a_hint_in_seconds(cli: Cli) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    waits: list[float] = []
    started = time.monotonic()

    code = main(["watch", LOAD_ID, "--endpoint", endpoint, "--no-iam-auth"], sleep=waits.append)

    run = cli.capture()
    assert code == EXIT_UNREACHABLE
    assert run.err == (
        f"error: cannot reach {endpoint}: check the endpoint, the VPC/security group, "
        "or start the emulator with `python -m loadctl emulator`\n"
    )
    # Three checks, a short probe wait between them, instead of the RETRY bound's backoff
    assert waits == [UNREACHABLE_PROBE_WAIT_SECONDS] * (UNREACHABLE_AFTER - 1)
    assert time.monotonic() - started < 15
    assert run.out.count("RETRY       CONNECTION_ERROR") == UNREACHABLE_AFTER - 1


def test_a_load_that_answered_once_keeps_the_workflows_retry_rules() -> None:
    # Given Neptune answered, then stopped answering
    refused = {"state": "RETRY", "reason": "CONNECTION_ERROR", "nextWaitSeconds": 15}
    answers = [running(None), refused, refused, refused, refused]
    from loadctl.load_commands import unreachable_guard

    guarded = unreachable_guard(lambda event: answers[event["checks"]])
    # When watched with a RETRY bound of 4
    code, status = watch_load(
        LOAD_ID,
        guarded,
        sleep=lambda seconds: None,
        on_status=lambda status: None,
        max_checks=10,
        max_total_wait=3600,
        max_consecutive_retries=4,
    )
    # Then the workflow's bound ends it (exit 4), with the policy's waits
    assert (code, status) == (4, refused)


def test_status_on_a_refused_connection_is_retry_with_the_hint(cli: Cli) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"

    code = main(["status", LOAD_ID, "--endpoint", endpoint, "--no-iam-auth"])

    run = cli.capture()
    assert code == EXIT_STATUS_RETRY
    assert "State       RETRY" in run.out
    assert run.err.startswith(f"cannot reach {endpoint}: check the endpoint")


def test_status_of_a_succeeded_load_exits_0(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)
    cli.clock.advance(3600)

    run = cli.run("status", load_id)

    assert run.code == EXIT_SUCCEEDED
    assert f"Records     {GOOD_RECORDS} loaded" in run.out


@pytest.mark.parametrize(
    ("estimate", "line"),
    [
        ({"percent": 40, "basis": "SOURCE_SAMPLE"}, "Estimate    40% (SOURCE_SAMPLE)"),
        (
            {
                "percent": None,
                "basis": "SOURCE_UNREADABLE",
                "basisDetail": "S3 answered AccessDenied",
            },
            "Estimate    unknown (SOURCE_UNREADABLE: S3 answered AccessDenied)",
        ),
    ],
)
def test_status_says_on_what_basis_the_estimate_stands_and_why_it_is_missing(
    estimate: dict[str, Any], line: str
) -> None:
    from loadctl.demo.display import format_status

    status = running(None)
    status["estimate"] = estimate
    assert line in format_status(status).splitlines()
