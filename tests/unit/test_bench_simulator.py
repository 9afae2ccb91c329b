"""The polling simulator itself: a fixed-interval poller driven through the Lambda's status check
gives the numbers known in closed form, and loads look to the check as Neptune shows them."""

from __future__ import annotations

import math

import pytest

from bench.simulator import Load, fixed_poller, simulate, simulate_fixed
from neptune_loader.poll_loop import LoopBounds
from neptune_loader.wait_policy import WaitPolicy


@pytest.mark.parametrize(
    ("run", "queue", "interval"), [(900.0, 0.0, 30), (1000.0, 125.0, 30), (7_205.5, 0.0, 10)]
)
def test_fixed_interval_matches_closed_form(run: float, queue: float, interval: int) -> None:
    # Given a load ending at queue + run seconds, checked every `interval` seconds
    load = Load.build(run, queue_seconds=queue, files=4)
    # When the loop runs through the real status check
    outcome = simulate(load, fixed_poller(interval), WaitPolicy())
    # Then the k-th check is the first at or after the end
    checks = math.ceil((queue + run) / interval)
    assert outcome.checks == checks
    assert outcome.detection_delay == pytest.approx(checks * interval - (queue + run))
    assert simulate_fixed(load, interval) == outcome


def test_payload_shows_queue_then_whole_files_then_completion() -> None:
    load = Load.build(400.0, queue_seconds=100.0, files=4)
    queued = load.payload(50)
    assert queued["overallStatus"]["status"] == "LOAD_IN_QUEUE"
    assert "feedCount" not in queued
    running = load.payload(100 + 250)  # 2 of 4 equal files done after 250 s of running
    assert running["overallStatus"]["totalTimeSpent"] == 250  # queue time excluded
    assert running["feedCount"] == [
        {"LOAD_COMPLETED": 2},
        {"LOAD_IN_PROGRESS": 1},
        {"LOAD_NOT_STARTED": 1},
    ]
    assert load.payload(500)["overallStatus"]["status"] == "LOAD_COMPLETED"


def test_adaptive_policy_sees_the_end_of_a_many_file_load_promptly() -> None:
    load = Load.build(3600.0, files=64)
    outcome = simulate(load, lambda s: 30 if s is None else s["nextWaitSeconds"], WaitPolicy())
    assert outcome.detection_delay <= WaitPolicy().tail_wait
    assert outcome.checks < 3600 / 30 * 0.4


@pytest.mark.parametrize(
    ("sizes", "delay", "checks"),
    [
        # The last file a fifth of the average: the average would check it about 1000 s late
        ((0.5, 1, 6, 0.5), 120, 120),
        # The last file five times the average: a 25 s tail up to twice the average costs 230
        ((1, 5, 5, 20), 300, 150),
    ],
)
def test_unequal_files_are_seen_to_end_promptly_within_the_loop_bounds(
    sizes: tuple[float, ...], delay: float, checks: int
) -> None:
    # Given a 4-hour load of 4 files of unequal sizes
    load = Load.build(4 * 3600.0, files=4, sizes=sizes)
    # When the workflow polls it with the Lambda's policy
    outcome = simulate(
        load,
        lambda s: 30 if s is None else s["nextWaitSeconds"],
        WaitPolicy(),
        bounds=LoopBounds(500, 36 * 3600),
    )
    # Then the end is seen within `delay` seconds, with fewer than `checks` checks
    assert outcome.detection_delay <= delay
    assert outcome.checks < checks
    assert outcome.bound_hit is None


def test_simulator_threads_the_progress_mark_like_the_workflow() -> None:
    # Given a 4-file load polled by the Lambda's own policy
    seen: list[dict] = []

    def poller(status: dict | None) -> float:
        if status is not None:
            seen.append(status)
        return 30 if status is None else status["nextWaitSeconds"]

    load = Load.build(3600.0, files=4)
    outcome = simulate(load, poller, WaitPolicy(), bounds=LoopBounds(500, 36 * 3600))
    # Then each status carries the mark, which moves only when the finished count grows
    marks = [s["progressMark"] for s in seen]
    assert [m["finishedFeeds"] for m in marks] == sorted(m["finishedFeeds"] for m in marks)
    assert {m["finishedFeeds"] for m in marks} == {0, 1, 2, 3}
    # ... and the last file, started at a known time, is seen to end within a tail interval
    assert outcome.detection_delay <= WaitPolicy().tail_wait
    assert outcome.bound_hit is None


def test_simulator_reports_which_workflow_bound_would_fire() -> None:
    # Given an 8-hour load and a loop bounded at 40 checks or 3 hours of waiting
    outcome = simulate(
        Load.build(8 * 3600.0, files=1), lambda s: 30 if s is None else s["nextWaitSeconds"],
        WaitPolicy(), bounds=LoopBounds(40, 3 * 3600),
    )  # fmt: skip
    # Then the total-wait bound fires, never the check bound (the Lambda's budget floor)
    assert outcome.bound_hit == "waitedSeconds"


def test_unequal_files_finish_in_proportion_to_their_size_and_records_grow() -> None:
    load = Load.build(1000.0, sizes=(1.0, 3.0), records=4000)
    assert load.files == 2
    assert load.file_done_at == pytest.approx((250.0, 1000.0), abs=0.01)
    assert load.payload(500)["overallStatus"]["totalRecords"] == 2000
    assert load.payload(1000)["overallStatus"]["totalRecords"] == 4000


def test_with_a_source_estimate_the_lambda_meets_the_end_with_few_checks() -> None:
    from neptune_loader.estimate import SourceTotals

    # Given a one-file, one-hour load whose source promises its records exactly
    load = Load.build(3600.0, records=3_600_000)
    calls: list[str] = []

    def sampler(uri: str, **_: object) -> SourceTotals:
        calls.append(uri)
        return SourceTotals(3_600_000, 1, "SOURCE_SAMPLE")

    poller = lambda s: 30 if s is None else s["nextWaitSeconds"]  # noqa: E731
    outcome = simulate(load, poller, WaitPolicy(), sampler=sampler)
    blind = simulate(load, poller, WaitPolicy())
    # Then the source is read once, the end is seen within the tail interval, and the checks
    # are a small share of a fixed 30 s poller's 120
    assert calls == ["s3://bench/load/"]
    assert outcome.detection_delay <= WaitPolicy().tail_wait
    assert outcome.checks <= 0.4 * 120
    assert blind.detection_delay > outcome.detection_delay
