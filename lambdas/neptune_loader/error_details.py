"""Fetch the evidence of a load that ended badly: its ``errorLogs`` pages and ``failedFeeds``,
within what is left of the invocation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neptune_loader.api_errors import classify_api_error
from neptune_loader.error_summary import (
    ErrorEntry,
    FailedFeed,
    error_entry,
    failed_feeds,
    feed_evidence,
)
from neptune_loader.validation import MAX_ERRORS_PER_PAGE

if TYPE_CHECKING:
    from neptune_loader.neptune_client import Deadline, LoaderStatusApi
    from neptune_loader.validation import StatusRequest

LOGGER = logging.getLogger(__name__)


@dataclass
class ErrorDetails:
    """What the detail calls found: the entries, the failed feeds (the first few in full, the
    statuses and record errors of all), whether the list was cut, whether any call failed, and
    whether every planned call was made (``complete``: the evidence that decides a verdict)."""

    entries: list[ErrorEntry] = field(default_factory=list)
    feeds: list[FailedFeed] = field(default_factory=list)
    feed_statuses: frozenset[str] = frozenset()
    feed_record_errors: int = 0
    feeds_without_record_errors: int = 0
    truncated: bool = False
    failed: bool = False
    complete: bool = False


def fetch_error_details(
    api: LoaderStatusApi,
    request: StatusRequest,
    deadline: Deadline,
    *,
    max_errors: int,
    reported_errors: int,
) -> ErrorDetails:
    """Page through ``errorLogs`` (and read ``failedFeeds``) within the invocation's time budget."""
    details = ErrorDetails()
    if request.include_errors:
        pages, per_page, first_page = 1, request.errors_per_page, request.page
    else:
        per_page = max(1, min(MAX_ERRORS_PER_PAGE, max_errors))
        pages, first_page = max(1, -(-max_errors // per_page)), 1
    more = True
    for page in range(first_page, first_page + pages):
        if not api.can_call(deadline):
            # Skipped for the invocation's budget: as good as failed for this check.
            details.truncated = details.failed = True
            return details
        try:
            payload = api.get_status(
                request.load_id, details=True, errors=True, page=page, errors_per_page=per_page
            )
        except Exception as error:  # classified and logged; the load's own status is already known
            failure = classify_api_error(error)
            LOGGER.warning("Fetching error details failed: %s (%s)", failure.code, failure.reason)
            details.truncated = details.failed = True
            return details
        if page == first_page:
            details.feeds = failed_feeds(payload.get("failedFeeds"))
            (
                details.feed_statuses,
                details.feed_record_errors,
                details.feeds_without_record_errors,
            ) = feed_evidence(payload.get("failedFeeds"))
        errors_obj = payload.get("errors")
        logs = errors_obj.get("errorLogs") if isinstance(errors_obj, dict) else None
        page_entries = [error_entry(item) for item in logs] if isinstance(logs, list) else []
        details.entries.extend(page_entries[:per_page])
        more = len(page_entries) >= per_page
        if not more:
            break
    # For one requested page, "truncated" says whether more pages exist after it. Neptune's
    # counters say how many errors exist; a full last page alone does not mean more.
    details.complete = True
    seen = len(details.entries) + ((request.page - 1) * per_page if request.include_errors else 0)
    details.truncated = seen < reported_errors if reported_errors else more
    return details
