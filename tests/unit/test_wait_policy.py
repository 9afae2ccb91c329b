"""The wait policy: bounded, backs off on RETRY, waits longer for long loads, uses the progress
mark to check near a file's predicted end, and never lets the loop's check bound fire first."""

from __future__ import annotations

from typing import Any

import pytest

from neptune_loader.statuses import State
from neptune_loader.wait_policy import (
    CheckBudget,
    ProgressMark,
    WaitPolicy,
    advance_mark,
    budget_floor,
    completed_fraction,
    finished_feeds,
    next_wait_seconds,
)

POLICY = WaitPolicy(min_wait=10, max_wait=300, queued_wait=60)


def wait(
    state: State,
    status: str | None = "LOAD_IN_PROGRESS",
    *,
    elapsed: float = 0,
    feeds=None,
    retries=0,
):
    return next_wait_seconds(
        POLICY,
        state=state,
        neptune_status=status,
        elapsed_seconds=elapsed,
        feed_count=feeds or {},
        consecutive_retries=retries,
    )


@pytest.mark.parametrize("state", [State.SUCCEEDED, State.FAILED])
def test_terminal_states_have_no_wait(state: State) -> None:
    assert wait(state) is None


def test_retry_backs_off_exponentially_up_to_the_cap() -> None:
    waits = [wait(State.RETRY, None, retries=n) for n in range(8)]
    assert waits == [10, 20, 40, 80, 160, 300, 300, 300]


def test_queued_loads_wait_the_queue_interval() -> None:
    assert wait(State.IN_PROGRESS, "LOAD_IN_QUEUE", elapsed=5000) == 60
    assert wait(State.IN_PROGRESS, "LOAD_NOT_STARTED") == 60


def test_running_load_waits_grow_with_elapsed_time_within_bounds() -> None:
    waits = [wait(State.IN_PROGRESS, elapsed=t) for t in (0, 60, 600, 6000, 60000)]
    assert waits == sorted(waits)
    assert waits[0] == 10
    assert waits[-1] == 300


def test_progress_signal_shortens_the_wait_near_the_end() -> None:
    early = wait(State.IN_PROGRESS, elapsed=600, feeds={"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 9})
    late = wait(State.IN_PROGRESS, elapsed=600, feeds={"LOAD_COMPLETED": 9, "LOAD_IN_PROGRESS": 1})
    assert late < early


def test_completed_fraction() -> None:
    assert completed_fraction({}) is None
    assert completed_fraction({"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}) == 0.75
    assert completed_fraction({"LOAD_FAILED": 1, "LOAD_NOT_STARTED": 1}) == 0.5


def test_last_unfinished_file_is_checked_at_the_tail_interval() -> None:
    # Given only the last of four files still loading, however long it has run
    feeds = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}
    # Then the wait is the tail interval: the end may come at any moment
    assert wait(State.IN_PROGRESS, elapsed=60, feeds=feeds) == POLICY.tail_wait
    assert wait(State.IN_PROGRESS, elapsed=3000, feeds=feeds) == POLICY.tail_wait
    # ... unless files are so long that the tail would take more checks than the loop allows
    long_files = wait(State.IN_PROGRESS, elapsed=60000, feeds=feeds)
    assert long_files == round(60000 / 3 / POLICY.tail_checks_per_file)


def test_estimate_from_finished_files_scales_with_the_files_left() -> None:
    # 1 of 4 files done in 100 s: about 300 s left, of which the policy waits its share.
    feeds = {"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 2}
    assert wait(State.IN_PROGRESS, elapsed=100, feeds=feeds) == round(300 * POLICY.remaining_share)


def test_without_progress_signal_the_wait_is_a_share_of_the_elapsed_time() -> None:
    assert wait(State.IN_PROGRESS, elapsed=1000, feeds={"LOAD_IN_PROGRESS": 1}) == round(
        1000 * POLICY.elapsed_share
    )


# --- The progress mark -------------------------------------------------------------------------

RUNNING_4 = {"LOAD_COMPLETED": 2, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 1}


def test_mark_moves_only_when_more_files_have_finished() -> None:
    # Given a mark set when 2 files had finished at 600 s
    mark = ProgressMark(2, 600)
    # When a later check sees the same 2 files finished, the mark is carried over
    assert advance_mark(mark, feed_count=RUNNING_4, elapsed_seconds=900) is mark
    # When it sees a third file finished, the mark moves to this check's running time
    three = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}
    assert advance_mark(mark, feed_count=three, elapsed_seconds=930) == ProgressMark(3, 930)
    # Failed feeds are finished feeds too
    failed = {"LOAD_COMPLETED": 2, "LOAD_FAILED": 1, "LOAD_IN_PROGRESS": 1}
    assert advance_mark(mark, feed_count=failed, elapsed_seconds=930).finished_feeds == 3


def test_mark_is_replaced_when_it_cannot_describe_this_run() -> None:
    mark = ProgressMark(2, 600)
    # Fewer finished files, or running time gone backwards: Neptune started a new run
    assert advance_mark(mark, feed_count={"LOAD_IN_PROGRESS": 1}, elapsed_seconds=30) == (
        ProgressMark(0, 0)
    )
    assert advance_mark(mark, feed_count=RUNNING_4, elapsed_seconds=500) == ProgressMark(2, 500)
    # No mark yet: the first one says what this check saw
    assert advance_mark(None, feed_count={}, elapsed_seconds=0) == ProgressMark(0, 0)
    assert advance_mark(None, feed_count=RUNNING_4, elapsed_seconds=70) == ProgressMark(2, 70)


def test_mark_serialises_as_the_status_object_key() -> None:
    assert ProgressMark(3, 930.0).to_json() == {"finishedFeeds": 3, "seenAt": 930}
    assert ProgressMark(3, 930.5).to_json() == {"finishedFeeds": 3, "seenAt": 930.5}
    assert ProgressMark(3, 930, 300.5).to_json() == {
        "finishedFeeds": 3,
        "seenAt": 930,
        "shortestFile": 300.5,
    }


def test_mark_keeps_the_shortest_file_seen_since_the_start() -> None:
    # Given the loop's first mark (no file finished), checks see 2 files finished at 600 s (300 s
    # each), a third at 1000 s (400 s) and a fourth at 1100 s (100 s)
    mark = ProgressMark(0, 0)
    for finished, elapsed in ((2, 600), (3, 1000), (4, 1100)):
        feeds = {"LOAD_COMPLETED": finished, "LOAD_IN_PROGRESS": 1}
        mark = advance_mark(mark, feed_count=feeds, elapsed_seconds=elapsed)
        # Then the mark keeps the shortest time a file took, however many finished in between
        assert mark.shortest_file == {2: 300, 3: 300, 4: 100}[finished]
    # A mark without one (not from the start of the run) does not start one halfway
    later = advance_mark(ProgressMark(2, 600), feed_count=RUNNING_4, elapsed_seconds=700)
    assert later.shortest_file is None
    three = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}
    assert advance_mark(ProgressMark(2, 600), feed_count=three, elapsed_seconds=930) == (
        ProgressMark(3, 930)
    )


def running(elapsed: float, feeds: dict[str, int], mark: ProgressMark, policy=None) -> int | None:
    return next_wait_seconds(
        policy or WaitPolicy(),
        state=State.IN_PROGRESS,
        neptune_status="LOAD_IN_PROGRESS",
        elapsed_seconds=elapsed,
        feed_count=feeds,
        mark=mark,
    )


def test_last_file_waits_until_shortly_before_its_predicted_end_then_checks_at_the_tail() -> None:
    # Given 3 of 4 files finished, the third seen at 1500 s (500 s per file on average)
    policy = WaitPolicy()
    feeds = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}
    mark = ProgressMark(3, 1500)
    # When the check that set the mark asks, it waits until `lead` of a file has passed
    assert running(1500, feeds, mark) == round(500 * policy.lead)
    # Then, within the window where the file may end, it checks at the tail interval
    assert running(1500 + 500 * policy.lead, feeds, mark) == policy.tail_wait
    assert running(2000, feeds, mark) == policy.tail_wait
    # ... and backs off once the file runs far past its predicted end (a stall), within the cap
    late = running(1500 + 500 * policy.overdue_after + 4000, feeds, mark)
    assert late == round(4000 * policy.overdue_share)
    assert running(10**7, feeds, mark) == policy.blind_max_wait


def test_many_files_to_go_wait_a_share_of_the_time_until_the_tracked_files() -> None:
    policy = WaitPolicy()
    # 4 of 16 files finished at 400 s (100 s each); 12 to go, the current one started at 400 s
    feeds = {"LOAD_COMPLETED": 4, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 11}
    wait = running(400, feeds, ProgressMark(4, 400))
    to_tracked = 100 + 100 * (12 - policy.tracked_files - 1)
    assert wait == round(to_tracked * policy.remaining_share)


def test_a_long_last_file_is_checked_at_most_about_tail_checks_per_file_times() -> None:
    policy = WaitPolicy()
    feeds = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}
    mark = ProgressMark(3, 3 * 21_600)  # 6-hour files
    assert running(3 * 21_600 + 20_000, feeds, mark) == round(21_600 / policy.tail_checks_per_file)


LAST_OF_4 = {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1}


def test_unequal_files_check_the_last_file_at_a_share_of_its_own_running_time() -> None:
    # Given 3 of 4 files finished at 9000 s (3000 s on average) but the shortest took 600 s:
    # the average predicts no single file, the last one may be as short as the shortest
    policy = WaitPolicy()
    mark = ProgressMark(3, 9000, 600)
    # When the check that set the mark asks, it waits until half the shortest file has run
    assert running(9000, LAST_OF_4, mark) == 600 * policy.spread_start
    # Then the last file is checked every `elapsed_share` of its own running time (not before
    # `lead` of the average, 1350 s, as for equal files), at most every `blind_max_wait`
    assert running(9000 + 1000, LAST_OF_4, mark) == 1000 * policy.elapsed_share
    assert running(9000 + 20_000, LAST_OF_4, mark) == policy.blind_max_wait
    # ... where files of about equal size keep the waits from the average
    equal = ProgressMark(3, 9000, 2500)
    assert running(9000, LAST_OF_4, equal) == round(3000 * policy.lead)
    assert running(9000 + 1000, LAST_OF_4, equal) == round(3000 * policy.lead) - 1000


def test_unequal_files_before_the_last_are_checked_more_coarsely() -> None:
    policy = WaitPolicy()
    # Given 2 of 4 files finished at 6000 s, the shortest in 900 s, the third running 2000 s
    feeds = {"LOAD_COMPLETED": 2, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 1}
    wait = running(8000, feeds, ProgressMark(2, 6000, 900))
    # Then the wait is `spread_share` of its running time
    assert wait == 2000 * policy.spread_share


def test_short_unequal_files_keep_the_waits_from_the_average() -> None:
    # Files of 200 s on average (the shortest 20 s): the tail interval already checks them often
    policy = WaitPolicy()
    assert running(600, LAST_OF_4, ProgressMark(3, 600, 20)) == round(200 * policy.lead)


def test_without_a_usable_mark_the_rate_estimate_applies() -> None:
    # A mark for another count of finished files (or none) is ignored: same as no mark
    feeds = {"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 2}
    stale = running(100, feeds, ProgressMark(0, 0), POLICY)
    assert stale == wait(State.IN_PROGRESS, elapsed=100, feeds=feeds)


def test_retry_backoff_stays_within_the_blind_cap() -> None:
    policy = WaitPolicy()
    waits = [
        next_wait_seconds(
            policy,
            state=State.RETRY,
            neptune_status=None,
            elapsed_seconds=0,
            feed_count={},
            consecutive_retries=n,
        )
        for n in range(12)
    ]
    assert max(waits) == policy.blind_max_wait


# --- The check budget: the loop's check bound never fires before its total-wait bound ----------


def drive_loop(
    policy: WaitPolicy, budget: CheckBudget, initial_wait: int, status_for: Any
) -> tuple[str, int, int]:
    """Run the workflow's counters (StartPolling, CheckLoadStatus, CountCheck/CountRetry,
    WithinBounds in its order) with the wait each check's status asks for."""
    checks, waited, next_wait = 0, 0, initial_wait
    while True:
        state, elapsed, feeds, retries = status_for(checks)
        wait = next_wait_seconds(
            policy,
            state=state,
            neptune_status=None if state is State.RETRY else "LOAD_IN_PROGRESS",
            elapsed_seconds=elapsed,
            feed_count=feeds,
            consecutive_retries=retries,
            mark=ProgressMark(finished_feeds(feeds), elapsed),
            budget=budget,
            checks=checks,
            waited_seconds=waited + next_wait,
        )
        assert wait is not None
        assert wait <= policy.max_floor_wait
        checks, waited, next_wait = checks + 1, waited + next_wait, wait
        if checks >= budget.max_checks:
            return "checks", checks, waited
        if waited >= budget.max_total_wait:
            return "waitedSeconds", checks, waited


WORST_CASES = {
    # A load that finishes a file at every check: the shortest waits the policy ever asks for.
    "a file at every check": lambda k: (
        State.IN_PROGRESS,
        float(k),
        {"LOAD_COMPLETED": k + 1, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 1},
        0,
    ),
    # Stalled: totalTimeSpent and feedCount never move.
    "stalled": lambda k: (State.IN_PROGRESS, 0.0, {"LOAD_IN_PROGRESS": 1}, 0),
    # The status cannot be read, with the retry counter reset now and then.
    "retry storm": lambda k: (State.RETRY, 0.0, {}, k % 3),
    # Only the last file left, in its tail window forever.
    "endless tail": lambda k: (
        State.IN_PROGRESS,
        100.0,
        {"LOAD_COMPLETED": 3, "LOAD_IN_PROGRESS": 1},
        0,
    ),
}


@pytest.mark.parametrize("case", sorted(WORST_CASES))
@pytest.mark.parametrize(("max_checks", "max_total_wait"), [(500, 36 * 3600), (40, 3 * 3600)])
def test_check_bound_never_fires_before_the_total_wait_bound(
    case: str, max_checks: int, max_total_wait: int
) -> None:
    # Given a loop whose bounds fit (T - first wait <= (N - 2) x max_floor_wait) and a minimum
    # wait of 1 s, so that only the budget floor stretches the waits
    policy = WaitPolicy(min_wait=1, tail_wait=1)
    budget = CheckBudget(max_checks=max_checks, max_total_wait=max_total_wait)
    assert max_total_wait - 30 <= (max_checks - 2) * policy.max_floor_wait
    # When the load behaves as badly as it can for the check count
    bound, checks, waited = drive_loop(policy, budget, 30, WORST_CASES[case])
    # Then the total-wait bound ends the loop, before the check bound could
    assert bound == "waitedSeconds"
    assert checks < max_checks
    assert waited >= max_total_wait


def test_budget_floor_is_zero_while_the_remaining_checks_can_cover_the_remaining_time() -> None:
    policy = WaitPolicy()
    budget = CheckBudget(max_checks=500, max_total_wait=36 * 3600)
    assert budget_floor(policy, budget=budget, checks=0, waited_seconds=30) == 0
    assert budget_floor(policy, budget=budget, checks=400, waited_seconds=3600) == 0
    # 10 checks left (8 waits, ours included) and 9 hours to go: ours must take 2 hours ...
    # more than one wait may: capped at max_floor_wait, the guarantee needs the synth check
    assert budget_floor(policy, budget=budget, checks=490, waited_seconds=27 * 3600) == 3600
    # 3 waits left, 2 h 30 min to go: ours >= 2.5 h - 2 h
    assert budget_floor(policy, budget=budget, checks=495, waited_seconds=33.5 * 3600) == 1800
    # No wait left before the check bound (a state the synth check prevents): wait the longest
    # a floor may, rather than let the next check end a running load
    assert budget_floor(policy, budget=budget, checks=498, waited_seconds=0) == 3600
    assert budget_floor(policy, budget=budget, checks=499, waited_seconds=0) == 3600


def test_a_rate_from_the_first_few_files_never_stretches_the_wait_past_the_blind_cap() -> None:
    # Given 1 of 64 files finished after 50 s (the first files may be the slow ones)
    policy = WaitPolicy()
    feeds = {"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 1, "LOAD_NOT_STARTED": 62}
    # Then the wait is no longer than without a prediction
    assert running(50, feeds, ProgressMark(1, 50)) == policy.blind_max_wait


def test_with_a_forecast_the_wait_approaches_the_predicted_end_then_checks_at_the_tail() -> None:
    from neptune_loader.wait_policy import Forecast

    policy = WaitPolicy()

    def wait(left: float, total: float = 3600) -> int | None:
        return next_wait_seconds(
            policy,
            state=State.IN_PROGRESS,
            neptune_status="LOAD_IN_PROGRESS",
            elapsed_seconds=total - left,
            feed_count={"LOAD_IN_PROGRESS": 1},
            forecast=Forecast(seconds_left=left, total_seconds=total),
        )

    # Far from the end: a share of the time left (each check re-predicts from a better rate)
    assert wait(2000) == round(2000 * policy.forecast_share)
    # Near it: up to the earliest end the margin allows (3% of 3600 s = 108 s before it) ...
    assert wait(150) == round(150 - 3600 * policy.forecast_margin)
    # ... then every tail_wait seconds
    assert wait(100) == policy.tail_wait
    assert wait(1) == policy.tail_wait


def test_past_the_predicted_end_the_tail_goes_on_and_backs_off_slowly() -> None:
    from neptune_loader.wait_policy import Forecast

    policy = WaitPolicy()

    def wait(left: float) -> int | None:
        return next_wait_seconds(
            policy,
            state=State.IN_PROGRESS,
            neptune_status="LOAD_IN_PROGRESS",
            elapsed_seconds=3600 - left,
            feed_count={"LOAD_IN_PROGRESS": 1},
            forecast=Forecast(seconds_left=left, total_seconds=3600),
        )

    # The estimate was low: records passed it 100 s ago; the end is near, keep the tail
    assert wait(-100) == policy.tail_wait
    # Far past it (a badly low estimate): 5% of the overdue time, at most the blind cap
    assert wait(-2000) == round(2000 * policy.overdue_share)
    assert wait(-100_000) == policy.blind_cap
