"""The status Lambda and the progress mark, against the emulator over real HTTP: the handler
returns ``progressMark``, moves it when files finish, carries it otherwise, uses it for the wait,
drops it on RETRY, and rejects a malformed one before calling Neptune."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator import Fault
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.wait_policy import WaitPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.emulator import NeptuneLoaderEmulator

GOOD = "s3://neptune-samples/good/"
POLICY = WaitPolicy()
LAST_OF_FOUR = [{"LOAD_COMPLETED": 3}, {"LOAD_IN_PROGRESS": 1}]


def running_load(emulator: NeptuneLoaderEmulator, seconds: int) -> str:
    return emulator.put_load(
        status="LOAD_IN_PROGRESS",
        overall={"totalTimeSpent": seconds, "totalRecords": 1000},
        feed_count=LAST_OF_FOUR,
    )


def test_mark_moves_to_this_check_when_more_files_have_finished(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given the loop's mark says 2 files had finished at 1000 s, and Neptune now reports 3
    load_id = running_load(emulator, 1500)
    # When the Lambda checks
    result = check_status(load_id, progressMark={"finishedFeeds": 2, "seenAt": 1000})
    # Then the mark moves to this check, and the wait aims at shortly before the last file's
    # predicted end (500 s per file, `lead` of one file from now)
    assert result["progressMark"] == {"finishedFeeds": 3, "seenAt": 1500}
    assert result["nextWaitSeconds"] == round(500 * POLICY.lead)


def test_mark_is_carried_over_and_honoured_while_no_file_finishes(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given the third file was first seen finished at 1500 s, and 1800 s have now run
    load_id = running_load(emulator, 1800)
    mark = {"finishedFeeds": 3, "seenAt": 1500}
    # When the Lambda checks with that mark
    result = check_status(load_id, progressMark=mark)
    # Then the mark is unchanged and the last file is checked at the tail interval
    assert result["progressMark"] == mark
    assert result["nextWaitSeconds"] == POLICY.tail_wait
    # ... while the same status with a mark saying the file just started waits much longer
    fresh = check_status(load_id, progressMark={"finishedFeeds": 3, "seenAt": 1800})
    assert fresh["nextWaitSeconds"] == round(600 * POLICY.lead)


def test_without_a_mark_the_output_starts_one(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = running_load(emulator, 1500)
    result = check_status(load_id)
    assert result["progressMark"] == {"finishedFeeds": 3, "seenAt": 1500}


def test_retry_returns_no_mark(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given Neptune throttles every status call
    load_id = running_load(emulator, 1500)
    emulator.add_fault(Fault.error(429, "TooManyRequestsException", times=None))
    # When the Lambda checks with a mark
    result = check_status(load_id, progressMark={"finishedFeeds": 3, "seenAt": 1500})
    # Then it read nothing: RETRY without a mark (the loop keeps the one it has)
    assert result["state"] == "RETRY"
    assert result["progressMark"] is None


def test_the_check_budget_stretches_the_wait_when_checks_run_out(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    # Given a loop with 3 checks left (one wait after ours) and 2 hours of its wait bound to go
    load_id = running_load(emulator, 1800)
    result = check_status(
        load_id,
        checks=495,
        waitedSeconds=34 * 3600,
        maxChecks=498,
        maxTotalWaitSeconds=36 * 3600,
        progressMark={"finishedFeeds": 3, "seenAt": 1500},
    )
    # Then the wait covers what the last wait cannot: 2 h - 1 h
    assert result["nextWaitSeconds"] == 3600


@pytest.mark.parametrize(
    "mark", [{"finishedFeeds": -1, "seenAt": 0}, {"finishedFeeds": 1}, "3@1500"]
)
def test_malformed_mark_is_rejected_before_any_call(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]], mark: object
) -> None:
    load_id = running_load(emulator, 1500)
    with pytest.raises(InvalidInputError, match="progressMark"):
        check_status(load_id, progressMark=mark)
    assert emulator.requests == []


def test_mark_threaded_through_a_real_multi_file_load(
    emulator: NeptuneLoaderEmulator,
    check_status: Callable[..., dict[str, Any]],
    start: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    # Given a real load of the sample files, checked like the workflow does: each check gets the
    # previous check's mark and the clock moves by the wait the Lambda asked for
    load_id = start({"source": GOOD, "format": "csv"})["loadId"]
    mark = {"finishedFeeds": 0, "seenAt": 0}
    marks = []
    wait = 30
    for _ in range(200):
        emulator.clock.advance(wait)
        result = check_status(load_id, progressMark=mark)
        if result["terminal"]:
            break
        assert result["progressMark"] is not None
        mark, wait = result["progressMark"], result["nextWaitSeconds"]
        marks.append(mark)
    # Then the load ends, and the mark moved forward as files finished, with the running time
    assert result["state"] == "SUCCEEDED"
    finished = [m["finishedFeeds"] for m in marks]
    assert finished == sorted(finished)
    assert len(set(finished)) >= 2, finished
    for earlier, later in itertools.pairwise(marks):
        if later["finishedFeeds"] == earlier["finishedFeeds"]:
            assert later == earlier
        else:
            assert later["seenAt"] >= earlier["seenAt"]
