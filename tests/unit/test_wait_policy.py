"""The wait policy: bounded, backs off on RETRY, waits longer for long loads."""

from __future__ import annotations

import pytest

from neptune_loader.statuses import State
from neptune_loader.wait_policy import WaitPolicy, completed_fraction, next_wait_seconds

POLICY = WaitPolicy(min_wait=10, max_wait=300, queued_wait=60)


def wait(
    state: State, status: str | None = "LOAD_IN_PROGRESS", elapsed: float = 0, feeds=None, retries=0
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
