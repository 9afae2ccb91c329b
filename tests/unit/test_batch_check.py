"""A batch checks each load as the single-load loop does: with the whole progress mark the status
Lambda emitted for it (the wait policy reads its shortestFile for files of unequal sizes)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from batch_loader.controller import Cycle, run_cycle, watched_batch
from neptune_loader.wait_policy import ProgressMark, WaitPolicy

if TYPE_CHECKING:
    from neptune_loader.validation import StatusRequest

ID = "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d"


def test_a_load_is_checked_with_its_whole_progress_mark() -> None:
    batch, records = watched_batch([ID])
    records[0] |= {
        "s": "LOAD_IN_PROGRESS",
        "m": {"finishedFeeds": 2, "seenAt": 600, "shortestFile": 40},
    }
    sent: list[StatusRequest] = []

    def check(request: StatusRequest) -> Any:
        sent.append(request)
        raise _Stop

    cycle = Cycle(
        start=lambda request: "",
        check=check,
        time_left=lambda: 100.0,
        policy=WaitPolicy(),
        max_resubmits=0,
    )
    with contextlib.suppress(_Stop):
        run_cycle(batch, {"loads": records}, cycle, max_cycles=10)
    assert [request.progress_mark for request in sent] == [ProgressMark(2, 600, 40)]


class _Stop(Exception):
    """Ends the cycle once the check's request is seen."""
