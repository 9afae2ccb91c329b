"""``python -m loadctl status|watch|start|emulator``, driven in-process against the emulator over real HTTP.

``watch`` waits through the emulator's clock (``main(..., sleep=...)``), so a load of a
minute is watched in milliseconds and every number comes from the real sample files.
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest

from loadctl.cli import main
from loadctl.emulator.faults import Fault
from loadctl.exit_codes import (
    EXIT_IN_PROGRESS,
    EXIT_INVALID_INPUT,
    EXIT_LOAD_FAILED,
    EXIT_START_OUTCOME_UNKNOWN,
    EXIT_START_REJECTED,
    EXIT_START_TRANSIENT,
    EXIT_STATUS_UNAVAILABLE,
    EXIT_SUCCEEDED,
    EXIT_TIMED_OUT,
)
from loadctl.load_commands import watch_load
from tests.cli.harness import (
    BROKEN,
    GOOD,
    GOOD_RECORDS,
    LOAD_ID,
    PROGRESS_KEYS,
    RECORDS_PER_SECOND,
    ROLE_ARN,
    SAMPLES,
    STATUS_KEYS,
    Cli,
)

# --- status ---------------------------------------------------------------------------------


def test_status_json_is_the_contract_status_object(cli: Cli) -> None:
    # Given a load 10 emulated seconds into the good sample
    load_id = cli.emulator.start_load(GOOD)
    cli.clock.advance(10)
    # When
    run = cli.run("status", load_id, "--json")
    # Then
    status = json.loads(run.out)
    assert run.code == EXIT_IN_PROGRESS  # the exit code says the load is still running
    assert STATUS_KEYS.issubset(status)
    assert "errors" not in status
    assert set(status["progress"]) == PROGRESS_KEYS
    assert status["loadId"] == load_id
    assert (status["state"], status["terminal"], status["neptuneStatus"]) == (
        "IN_PROGRESS",
        False,
        "LOAD_IN_PROGRESS",
    )
    assert 0 < status["progress"]["totalRecords"] < GOOD_RECORDS
    assert status["nextWaitSeconds"] > 0


def test_status_readable_shows_state_progress_and_next_check(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)
    cli.clock.advance(10)

    run = cli.run("status", load_id)

    assert run.code == EXIT_IN_PROGRESS
    assert f"Load        {load_id}" in run.out
    assert "State       IN_PROGRESS\n" in run.out
    assert "Neptune     LOAD_IN_PROGRESS" in run.out
    assert "Next check  in " in run.out


def test_status_errors_on_a_failed_load_shows_the_error_sample(cli: Cli) -> None:
    # Given the broken sample failed on line 4 of vertices.csv (failOnError: true)
    load_id = cli.emulator.start_load(BROKEN)
    cli.clock.advance(60)
    # When
    run = cli.run("status", load_id, "--errors")
    # Then the exit code says FAILED and the sample names the code, file, record and reason
    assert run.code == EXIT_LOAD_FAILED
    assert "State       FAILED (terminal)" in run.out
    assert "Errors      PARSING_ERROR 1 (1 fetched)" in run.out
    assert "  - PARSING_ERROR s3://neptune-samples/broken/vertices.csv#4: " in run.out
    assert "'forty-two'" in run.out
    assert any("errors=true" in path for _, path in cli.emulator.requests)


@pytest.mark.parametrize("load_id", ["not-a-uuid", "ef478d76-d9da-4d94-8ff1-08d9d4863aa5x"])
def test_status_with_a_malformed_load_id_fails_without_a_request(cli: Cli, load_id: str) -> None:
    run = cli.run("status", load_id)

    assert run.code == EXIT_INVALID_INPUT
    assert run.err.startswith("error: loadId ")
    assert run.out == ""
    assert cli.emulator.requests == []


# --- watch ----------------------------------------------------------------------------------


def test_watch_a_load_that_completes_exits_0(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)

    run = cli.run("watch", load_id)

    assert run.code == EXIT_SUCCEEDED
    assert "State       SUCCEEDED (terminal)" in run.out
    assert f"Records     {GOOD_RECORDS} loaded" in run.out
    # Not a terminal: one plain line per check, the last one done; the waits covered the load.
    lines = [line for line in run.out.splitlines() if line.startswith(("IN_PROGRESS", "SUCCEEDED"))]
    assert len(lines) == len(cli.waits) + 1 == cli.status_gets(load_id)
    assert lines[-1].startswith("SUCCEEDED   LOAD_COMPLETED")
    assert f"100%, files 3 of 3 loaded, {GOOD_RECORDS} records" in lines[-1]
    assert all("\x1b" not in line for line in run.out.splitlines())  # no terminal codes
    assert sum(cli.waits) >= GOOD_RECORDS / RECORDS_PER_SECOND


def test_watch_time_scale_divides_the_waits(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)

    run = cli.run("watch", load_id, "--json", "--time-scale", "4")

    statuses = [json.loads(line) for line in run.out.splitlines()]
    assert run.code == EXIT_SUCCEEDED
    asked = [status["nextWaitSeconds"] for status in statuses[:-1]]
    assert cli.waits == [seconds / 4 for seconds in asked]


def test_watch_a_failing_load_exits_1_with_the_final_status(cli: Cli) -> None:
    load_id = cli.emulator.start_load(BROKEN)

    run = cli.run("watch", load_id, "--json")

    lines = [json.loads(line) for line in run.out.splitlines()]
    assert run.code == EXIT_LOAD_FAILED
    assert all(status["loadId"] == load_id for status in lines)
    assert [status["state"] for status in lines[:-1]] == ["IN_PROGRESS"] * (len(lines) - 1)
    assert (lines[-1]["state"], lines[-1]["neptuneStatus"]) == ("FAILED", "LOAD_FAILED")
    assert lines[-1]["errors"]["byCode"] == {"PARSING_ERROR": 1}
    # The failure is repeated on stderr for scripts that only keep that stream.
    assert json.loads(run.err)["state"] == "FAILED"


def test_watch_gives_up_with_exit_3_after_max_checks(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)
    cli.emulator.stall(load_id)

    run = cli.run("watch", load_id, "--max-checks", "3")

    assert run.code == EXIT_TIMED_OUT
    assert "Gave up: the load was still running when a bound was reached." in run.out
    assert cli.status_gets(load_id) == 3


def test_watch_gives_up_with_exit_3_at_the_total_wait_bound(cli: Cli) -> None:
    load_id = cli.emulator.start_load(GOOD)
    cli.emulator.stall(load_id)

    run = cli.run("watch", load_id, "--max-total-wait", "120")

    assert run.code == EXIT_TIMED_OUT
    assert "State       IN_PROGRESS" in run.out
    # The bound is checked after each check: the waits reach it, and the last wait is not taken.
    assert sum(cli.waits) >= 120
    assert sum(cli.waits[:-1]) < 120


# --- start ----------------------------------------------------------------------------------


def test_start_prints_the_load_id_and_the_emulator_runs_it(cli: Cli) -> None:
    run = cli.run("start", "--source", GOOD["source"], "--format", "csv")

    load_id = run.out.strip()
    assert run.code == EXIT_SUCCEEDED
    assert str(uuid.UUID(load_id)) == load_id
    assert cli.emulator.list_loads() == [load_id]
    # The start Lambda's code: the loads listed (to recognise its own if the answer is lost),
    # then one start.
    assert [method for method, _ in cli.emulator.requests] == ["GET", "POST"]
    assert cli.emulator.requests[-1] == ("POST", "/loader")


def test_start_json_shows_the_request_with_deployment_defaults(cli: Cli) -> None:
    run = cli.run("start", "--source", GOOD["source"], "--format", "csv", "--queue", "--json")

    printed = json.loads(run.out)
    assert run.code == EXIT_SUCCEEDED
    assert cli.emulator.list_loads() == [printed["loadId"]]
    request = printed["request"]
    assert (request["iamRoleArn"], request["region"]) == (ROLE_ARN, "us-east-1")
    assert request["queueRequest"] is True


@pytest.mark.parametrize("source", ["http://example.com/data/", "s3:/missing-slash"])
def test_start_with_a_bad_source_fails_without_a_request(cli: Cli, source: str) -> None:
    run = cli.run("start", "--source", source, "--format", "csv")

    assert run.code == EXIT_INVALID_INPUT
    assert run.err.startswith("error: source ")
    assert run.out == ""
    assert cli.emulator.requests == []


def test_start_of_an_unknown_bucket_prints_neptunes_refusal_without_a_traceback(cli: Cli) -> None:
    run = cli.run("start", "--source", "s3://no-such-bucket/x", "--format", "csv")

    assert run.code == EXIT_START_REJECTED
    assert run.err.startswith("error: Neptune rejected the load request (")
    assert "S3 bucket not found for source" in run.err
    assert "Traceback" not in run.err
    assert run.out == ""
    assert cli.emulator.list_loads() == []


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        (
            Fault.error(429, method="POST"),
            EXIT_START_TRANSIENT,
            "error: Neptune could not start the load this time",
        ),
        # Issue 11: the answer was lost and no load started: looked for, safe to start again.
        (
            Fault.drop(method="POST"),
            EXIT_START_TRANSIENT,
            "error: The start request may have reached",
        ),
        (
            Fault.body(
                200,
                b'{"status": "200 OK", "payload": {"loadId": "load-42"}}',
                "application/json",
                method="POST",
            ),
            EXIT_START_OUTCOME_UNKNOWN,
            "error: Neptune answered the start with loadId 'load-42', which is not a UUID",
        ),
    ],
    ids=["throttled", "answer-lost", "id-not-a-uuid"],
)
def test_start_that_neptune_cannot_answer_has_its_own_exit_code(
    cli: Cli, fault: Fault, code: int, message: str
) -> None:
    cli.emulator.add_fault(fault)

    run = cli.run("start", "--source", GOOD["source"], "--format", "csv")

    assert run.code == code
    assert run.err.startswith(message)
    assert len(run.err.strip().splitlines()) == 1  # the message, no traceback
    assert run.out == ""
    # One attempt only, as in the start Lambda: a lost answer must not start the load twice.
    assert cli.emulator.requests.count(("POST", "/loader")) == 1


def test_start_accepted_but_answered_500_adopts_its_load(cli: Cli) -> None:
    # Given Neptune creates the load, then answers 500 (issue 11: one start, one load)
    cli.emulator.add_fault(Fault.accepted_then_error(500, "InternalFailureException"))
    run = cli.run("start", "--source", GOOD["source"], "--format", "csv", "--json")
    # Then the CLI, like the start Lambda, finds the load and reports it; nothing is sent again
    printed = json.loads(run.out)
    assert run.code == EXIT_SUCCEEDED
    assert printed["adopted"] is True
    assert cli.emulator.list_loads() == [printed["loadId"]]
    assert cli.emulator.requests.count(("POST", "/loader")) == 1


def test_start_answered_after_five_seconds_reports_the_load_id(cli: Cli) -> None:
    # Given Neptune answers the start only after listing a large S3 prefix (~5 s), longer than a
    # status read's 2 s read timeout
    cli.emulator.add_fault(Fault.hang(5.0, method="POST", path_prefix="/loader"))
    # When
    run = cli.run("start", "--source", GOOD["source"], "--format", "csv")
    # Then the CLI waits for the answer, as the start Lambda does, and prints the load id
    assert (run.code, run.err) == (EXIT_SUCCEEDED, "")
    assert cli.emulator.list_loads() == [run.out.strip()]
    assert cli.emulator.requests.count(("POST", "/loader")) == 1


# --- emulator -------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["--", "--help"]], ids=["plain", "after-dashes"])
def test_emulator_help_is_the_emulators_own(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["emulator", *argv])

    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert "--port" in out
    assert "--data-root" in out


def test_emulator_options_reach_the_emulators_parser(capsys: pytest.CaptureFixture[str]) -> None:
    # An invalid port is refused by the emulator's own parser before anything is served.
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--port", "notanumber", "--data-root", str(SAMPLES)])

    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "argument --port: invalid int value: 'notanumber'" in err
    assert "unrecognized arguments" not in err


def test_an_emulator_that_cannot_listen_says_so_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a port already in use
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When the emulator is asked to serve on it
        code = main(["emulator", "--port", str(port), "--data-root", str(SAMPLES)])
    # Then it says why, without a traceback, and exits as documented for bad options
    assert code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_top_level_help_still_lists_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    out = " ".join(capsys.readouterr().out.split())  # help text wraps with the terminal width
    assert exited.value.code == 0
    assert "emulator serve the Neptune loader emulator" in out
    assert "python -m loadctl emulator --help" in out


def watch_scripted(
    answers: list[dict[str, Any]], initial_wait: int = 0
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """``watch_load`` over scripted statuses, without waiting: (exit code, last status, events)."""
    events: list[dict[str, Any]] = []

    def check(event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return answers[len(events) - 1]

    code, status = watch_load(
        LOAD_ID,
        check,
        sleep=lambda seconds: None,
        on_status=lambda status: None,
        max_checks=50,
        max_total_wait=3600,
        max_consecutive_retries=3,
        initial_wait=initial_wait,
    )
    return code, status, events


def test_watch_sends_each_check_what_the_workflow_loop_sends() -> None:
    # Given three checks: running (mark moves), unreadable (no mark), then done
    mark = {"finishedFeeds": 1, "seenAt": 40}
    answers: list[dict[str, Any]] = [
        {"state": "IN_PROGRESS", "nextWaitSeconds": 20, "progressMark": mark},
        {"state": "RETRY", "nextWaitSeconds": 15, "progressMark": None},
        {"state": "SUCCEEDED", "progressMark": mark},
    ]
    # When
    code, _, events = watch_scripted(answers, initial_wait=30)
    # Then the counters, the waited seconds (this wait included) and the last readable mark
    assert code == EXIT_SUCCEEDED
    assert [(e["checks"], e["consecutiveRetries"], e["waitedSeconds"]) for e in events] == [
        (0, 0, 30),
        (1, 0, 50),
        (2, 1, 65),
    ]
    assert [e["progressMark"] for e in events] == [{"finishedFeeds": 0, "seenAt": 0}, mark, mark]
    assert all((e["maxChecks"], e["maxTotalWaitSeconds"]) == (50, 3600) for e in events)


@pytest.mark.parametrize(
    "answer",
    [
        {"state": "UNAVAILABLE", "nextWaitSeconds": None, "progressMark": None},
        {"state": "RETRY", "progressMark": None},  # no wait to follow
        {"state": "SOMETHING_NEW", "nextWaitSeconds": 30, "progressMark": None},
    ],
    ids=["unavailable", "retry-without-wait", "unknown-state"],
)
def test_watch_ends_where_the_workflow_routes_to_status_unavailable(answer: dict[str, Any]) -> None:
    # Given a check whose answer the workflow's RouteOnState sends to NeptuneStatusUnavailable
    # When
    code, status, events = watch_scripted([answer])
    # Then watch stops there too, after that one check, instead of polling on without a wait
    assert (code, status, len(events)) == (EXIT_STATUS_UNAVAILABLE, answer, 1)
