"""Decide whether a failed load may succeed when resubmitted with mode ``RESUME``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neptune_loader.statuses import RESUMABLE_ERROR_MESSAGES, RESUMABLE_FEED_STATUSES

if TYPE_CHECKING:
    from neptune_loader.error_summary import ErrorEntry, FailedFeed
    from neptune_loader.statuses import StatusRule


def is_resumable(
    rule: StatusRule, neptune_status: str, entries: list[ErrorEntry], feeds: list[FailedFeed]
) -> bool:
    """Whether resubmitting with mode RESUME is expected to succeed.

    Resumable statuses are resumable by themselves; a plain LOAD_FAILED is resumable only when every
    piece of evidence (failed feed statuses, error messages) points to a transient cause.
    """
    if rule.retryable:
        return True
    if neptune_status != "LOAD_FAILED" or not (entries or feeds):
        return False
    feeds_ok = all(feed["status"] in RESUMABLE_FEED_STATUSES for feed in feeds)
    entries_ok = all(
        any(marker in entry["errorMessage"].lower() for marker in RESUMABLE_ERROR_MESSAGES)
        for entry in entries
    )
    return feeds_ok and entries_ok
