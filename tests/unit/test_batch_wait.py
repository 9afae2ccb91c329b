"""The batch's wait between cycles: the batch's pace while loads queue behind the running one,
the running load's own wait once it is the last (docs/design.md, "Batches")."""

from __future__ import annotations

from batch_loader.controller import batch_wait
from neptune_loader.wait_policy import WaitPolicy

POLICY = WaitPolicy()
ID = "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d"


def running(wait: int) -> dict[str, object]:
    return {"id": ID, "s": "LOAD_IN_PROGRESS", "q": 1, "w": wait}


QUEUED = {"id": ID, "s": "LOAD_IN_QUEUE", "q": 2}


def test_the_last_load_in_neptune_gets_its_own_wait() -> None:
    assert batch_wait([running(25)], POLICY, waited=50_000) == 25


def test_loads_queued_behind_stretch_the_wait_to_a_share_of_the_batch_age() -> None:
    assert batch_wait([running(25), QUEUED], POLICY, waited=5_000) == 500
    # never past the longest wait, never below the running load's own
    assert batch_wait([running(25), QUEUED], POLICY, waited=10**6) == POLICY.max_wait
    assert batch_wait([running(900), QUEUED], POLICY, waited=100) == 900


def test_loads_left_to_send_also_count_as_behind() -> None:
    assert batch_wait([running(25), {"s": "PENDING"}], POLICY, waited=5_000) == 500


def test_nothing_checked_waits_as_for_a_queued_load() -> None:
    assert batch_wait([QUEUED], POLICY, waited=0) == POLICY.queued_wait
