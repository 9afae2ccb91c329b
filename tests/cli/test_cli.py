"""``python -m loadctl status|watch|start``, driven in-process against the emulator over real HTTP.

``watch`` waits through the emulator's clock (``main(..., sleep=clock.advance)``), so a load of a
minute is watched in milliseconds and every number comes from the real sample files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadctl.cli import (
    EXIT_INVALID_INPUT,
    EXIT_LOAD_FAILED,
    EXIT_SUCCEEDED,
    EXIT_TIMED_OUT,
    main,
)
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "samples"
ROLE_ARN = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"
GOOD = json.loads((REPO_ROOT / "events/lambda/start-good.json").read_text())
BROKEN = {**GOOD, "source": "s3://neptune-samples/broken/"}  # failOnError: true
GOOD_RECORDS = 552  # samples/README.md
RECORDS_PER_SECOND = 10.0

# The status object's keys as CONTRACT.md fixes them (`errors` only with errors or on FAILED).
STATUS_KEYS = {
    "loadId",
    "state",
    "terminal",
    "neptuneStatus",
    "reason",
    "message",
    "retryable",
    "nextWaitSeconds",
    "progress",
    "failedFeeds",
}
PROGRESS_KEYS = {
    "totalRecords",
    "totalDuplicates",
    "parsingErrors",
    "datatypeMismatchErrors",
    "insertErrors",
    "totalTimeSpent",
    "startTime",
    "runNumber",
    "retryNumber",
    "feedCount",
}


class EmulatedSleep:
    """``watch``'s sleep: moves the emulator's clock instead of waiting, and remembers each wait."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_700_000_000.0)


@pytest.fixture
def emulator(
    monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> Iterator[NeptuneLoaderEmulator]:
    # The endpoint must come from --endpoint and the role from the deployment-style variable.
    monkeypatch.delenv("NEPTUNE_ENDPOINT", raising=False)
    monkeypatch.delenv("NEPTUNE_IAM_AUTH", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("LOADER_IAM_ROLE_ARN", ROLE_ARN)
    emu = NeptuneLoaderEmulator(
        data_root=SAMPLES,
        clock=clock,
        records_per_second=RECORDS_PER_SECOND,
    )
    with emu.serve():
        yield emu


@pytest.fixture
def connection(emulator: NeptuneLoaderEmulator) -> list[str]:
    return ["--endpoint", emulator.endpoint, "--no-iam-auth"]


@pytest.fixture
def sleep(clock: ManualClock) -> EmulatedSleep:
    return EmulatedSleep(clock)


def _status_gets(emulator: NeptuneLoaderEmulator, load_id: str) -> int:
    return sum(
        1 for method, path in emulator.requests if (method, path) == ("GET", f"/loader/{load_id}")
    )


# --- status ---------------------------------------------------------------------------------


def test_status_json_is_the_contract_status_object(
    emulator: NeptuneLoaderEmulator,
    clock: ManualClock,
    connection: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a load 10 emulated seconds into the good sample
    load_id = emulator.start_load(GOOD)
    clock.advance(10)
    # When
    code = main(["status", load_id, "--json", *connection])
    # Then
    status = json.loads(capsys.readouterr().out)
    assert code == EXIT_SUCCEEDED
    assert set(status) == STATUS_KEYS
    assert set(status["progress"]) == PROGRESS_KEYS
    assert status["loadId"] == load_id
    assert (status["state"], status["terminal"], status["neptuneStatus"]) == (
        "IN_PROGRESS",
        False,
        "LOAD_IN_PROGRESS",
    )
    assert 0 < status["progress"]["totalRecords"] < GOOD_RECORDS
    assert status["nextWaitSeconds"] > 0


def test_status_readable_shows_state_progress_and_next_check(
    emulator: NeptuneLoaderEmulator,
    clock: ManualClock,
    connection: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(GOOD)
    clock.advance(10)

    code = main(["status", load_id, *connection])

    out = capsys.readouterr().out
    assert code == EXIT_SUCCEEDED
    assert f"Load        {load_id}" in out
    assert "State       IN_PROGRESS\n" in out
    assert "Neptune     LOAD_IN_PROGRESS" in out
    assert "Next check  in " in out


def test_status_errors_on_a_failed_load_shows_the_error_sample(
    emulator: NeptuneLoaderEmulator,
    clock: ManualClock,
    connection: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the broken sample failed on line 4 of vertices.csv (failOnError defaults to true)
    load_id = emulator.start_load(BROKEN)
    clock.advance(60)
    # When
    code = main(["status", load_id, "--errors", *connection])
    # Then the exit code says FAILED and the sample names the code, file, record and reason
    out = capsys.readouterr().out
    assert code == EXIT_LOAD_FAILED
    assert "State       FAILED (terminal)" in out
    assert "Errors      PARSING_ERROR 1 (1 fetched)" in out
    assert "  - PARSING_ERROR s3://neptune-samples/broken/vertices.csv#4: " in out
    assert "'forty-two'" in out
    assert any("errors=true" in path for _, path in emulator.requests)


@pytest.mark.parametrize("load_id", ["not-a-uuid", "ef478d76-d9da-4d94-8ff1-08d9d4863aa5x"])
def test_status_with_a_malformed_load_id_fails_without_a_request(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    capsys: pytest.CaptureFixture[str],
    load_id: str,
) -> None:
    code = main(["status", load_id, *connection])

    captured = capsys.readouterr()
    assert code == EXIT_INVALID_INPUT
    assert captured.err.startswith("error: loadId ")
    assert captured.out == ""
    assert emulator.requests == []


# --- watch ----------------------------------------------------------------------------------


def test_watch_a_load_that_completes_exits_0(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    sleep: EmulatedSleep,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(GOOD)

    code = main(["watch", load_id, *connection], sleep=sleep)

    out = capsys.readouterr().out
    assert code == EXIT_SUCCEEDED
    assert "State       SUCCEEDED (terminal)" in out
    assert f"Records     {GOOD_RECORDS} loaded" in out
    # One progress line per check, the last one full; the waits covered the load's run time.
    bars = [line for line in out.splitlines() if line.startswith("[")]
    assert len(bars) == len(sleep.waits) + 1 == _status_gets(emulator, load_id)
    assert bars[-1].startswith("[" + "#" * 30 + "] 100%")
    assert sum(sleep.waits) >= GOOD_RECORDS / RECORDS_PER_SECOND


def test_watch_time_scale_divides_the_waits(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    sleep: EmulatedSleep,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(GOOD)

    code = main(["watch", load_id, "--json", "--time-scale", "4", *connection], sleep=sleep)

    statuses = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == EXIT_SUCCEEDED
    asked = [status["nextWaitSeconds"] for status in statuses[:-1]]
    assert sleep.waits == [seconds / 4 for seconds in asked]


def test_watch_a_failing_load_exits_1_with_the_final_status(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    sleep: EmulatedSleep,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(BROKEN)

    code = main(["watch", load_id, "--json", *connection], sleep=sleep)

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == EXIT_LOAD_FAILED
    assert all(status["loadId"] == load_id for status in lines)
    assert [status["state"] for status in lines[:-1]] == ["IN_PROGRESS"] * (len(lines) - 1)
    assert (lines[-1]["state"], lines[-1]["neptuneStatus"]) == ("FAILED", "LOAD_FAILED")
    assert lines[-1]["errors"]["byCode"] == {"PARSING_ERROR": 1}
    # The failure is repeated on stderr for scripts that only keep that stream.
    assert json.loads(captured.err)["state"] == "FAILED"


def test_watch_gives_up_with_exit_3_after_max_checks(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    sleep: EmulatedSleep,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(GOOD)
    emulator.stall(load_id)

    code = main(["watch", load_id, "--max-checks", "3", *connection], sleep=sleep)

    out = capsys.readouterr().out
    assert code == EXIT_TIMED_OUT
    assert "Gave up: the load was still running when a bound was reached." in out
    assert _status_gets(emulator, load_id) == 3


def test_watch_gives_up_with_exit_3_at_the_total_wait_bound(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    sleep: EmulatedSleep,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_id = emulator.start_load(GOOD)
    emulator.stall(load_id)

    code = main(["watch", load_id, "--max-total-wait", "120", *connection], sleep=sleep)

    assert code == EXIT_TIMED_OUT
    assert "State       IN_PROGRESS" in capsys.readouterr().out
    # The bound is checked after each check: the waits reach it, and the last wait is not taken.
    assert sum(sleep.waits) >= 120
    assert sum(sleep.waits[:-1]) < 120


# --- start ----------------------------------------------------------------------------------


def test_start_prints_the_load_id_and_the_emulator_runs_it(
    emulator: NeptuneLoaderEmulator, connection: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["start", "--source", GOOD["source"], "--format", "csv", *connection])

    load_id = capsys.readouterr().out.strip()
    assert code == EXIT_SUCCEEDED
    assert str(uuid.UUID(load_id)) == load_id
    assert emulator.list_loads() == [load_id]
    assert emulator.requests == [("POST", "/loader")]


def test_start_json_shows_the_request_with_deployment_defaults(
    emulator: NeptuneLoaderEmulator, connection: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["start", "--source", GOOD["source"], "--format", "csv", "--queue", "--json", *connection]
    )

    printed = json.loads(capsys.readouterr().out)
    assert code == EXIT_SUCCEEDED
    assert emulator.list_loads() == [printed["loadId"]]
    request = printed["request"]
    assert (request["iamRoleArn"], request["region"]) == (ROLE_ARN, "us-east-1")
    assert request["queueRequest"] is True


@pytest.mark.parametrize("source", ["http://example.com/data/", "s3:/missing-slash"])
def test_start_with_a_bad_source_fails_without_a_request(
    emulator: NeptuneLoaderEmulator,
    connection: list[str],
    capsys: pytest.CaptureFixture[str],
    source: str,
) -> None:
    code = main(["start", "--source", source, "--format", "csv", *connection])

    captured = capsys.readouterr()
    assert code == EXIT_INVALID_INPUT
    assert captured.err.startswith("error: source ")
    assert captured.out == ""
    assert emulator.requests == []
