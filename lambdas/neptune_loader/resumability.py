"""Judge a failed load from its evidence: may a ``RESUME`` succeed, and may its record errors be
tolerated? Each answer is given only on complete evidence (``None``: read again next time).

The evidence is every status in ``feedCount``, every failed feed's status and record errors, the
record-error counters and the error log (``error_details``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from neptune_loader.statuses import (
    BYSTANDER_FEED_STATUSES,
    RESUMABLE_ERROR_MESSAGES,
    RESUMABLE_FEED_STATUSES,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from neptune_loader.error_details import ErrorDetails
    from neptune_loader.statuses import StatusRule

# errorLogs codes that are about one record (load-api-reference-status-response.html): what
# failOnError FALSE skips. The others (S3 access, modified files, memory, internal) are not.
RECORD_ERROR_CODES = frozenset(
    {
        "PARSING_ERROR",
        "FROM_OR_TO_VERTEX_ARE_MISSING",
        "ID_ASSIGNED_TO_MULTIPLE_EDGES",
        "SINGLE_CARDINALITY_VIOLATION",
    }
)
_UNFINISHED = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE", "LOAD_IN_PROGRESS"})


@dataclass(frozen=True)
class ErrorTolerance:
    """How many record errors a user accepts: a count and/or a share of ``totalRecords``
    (0 means "no limit of this kind"; both 0: nothing is tolerated, the default)."""

    max_record_errors: int = 0
    max_error_share: float = 0.0

    @property
    def enabled(self) -> bool:
        """Whether any error is tolerated at all."""
        return self.max_record_errors > 0 or self.max_error_share > 0

    def allows(self, errors: int, records: int) -> bool:
        """Whether ``errors`` record errors out of ``records`` records are within tolerance."""
        if not self.enabled or errors <= 0:
            return False
        within_count = self.max_record_errors <= 0 or errors <= self.max_record_errors
        within_share = self.max_error_share <= 0 or errors <= self.max_error_share * records
        return within_count and within_share


NO_TOLERANCE = ErrorTolerance()


def _causes(feed_count: Mapping[str, int], details: ErrorDetails) -> set[str]:
    """Feed statuses that say why the load failed (feedCount's and every failed feed's)."""
    return {s for s in (*feed_count, *details.feed_statuses) if s not in BYSTANDER_FEED_STATUSES}


def is_resumable(
    rule: StatusRule,
    neptune_status: str,
    *,
    feed_count: Mapping[str, int],
    record_errors: int,
    details: ErrorDetails,
) -> bool | None:
    """Whether resubmitting with mode RESUME is expected to succeed; None when only the evidence
    not read this time could say (a ``True`` needs all of it, a ``False`` needs one piece).

    Record errors (counters or failed feeds') are never fixed by RESUME, nor is any feed status
    that is not resumable by itself. Then a resumable status is resumable; a plain LOAD_FAILED
    is resumable only when every failed feed and error message points to a transient cause.
    """
    if record_errors or details.feed_record_errors:
        return False
    if any(status not in RESUMABLE_FEED_STATUSES for status in _causes(feed_count, details)):
        return False
    if not rule.retryable and neptune_status != "LOAD_FAILED":
        return False
    if not details.complete:
        return None
    if rule.retryable:
        return True
    if not (details.entries or details.feed_statuses):
        return False
    return all(
        any(marker in entry["errorMessage"].lower() for marker in RESUMABLE_ERROR_MESSAGES)
        for entry in details.entries
    )


def is_tolerated(
    neptune_status: str,
    tolerance: ErrorTolerance,
    *,
    fail_on_error: bool,
    feed_count: Mapping[str, int],
    record_errors: int,
    total_records: int,
    details: ErrorDetails,
) -> bool | None:
    """Whether a failed load counts as a success because its errors are tolerated; None when
    only the evidence not read this time could say.

    Only a ``LOAD_FAILED`` of a load that ran with failOnError FALSE (so every file ran to its
    end), whose feeds all finished, whose failed feeds are ``LOAD_FAILED`` with record errors
    and whose error log shows only record errors, with the errors within ``tolerance``.
    """
    if (
        fail_on_error
        or neptune_status != "LOAD_FAILED"
        or not tolerance.allows(record_errors, total_records)
        or any(status in _UNFINISHED for status in feed_count)
        or _causes(feed_count, details) - {"LOAD_FAILED"}
    ):
        return False
    if not details.complete:
        return None
    return (
        details.feed_statuses == {"LOAD_FAILED"}
        and details.feed_record_errors > 0
        and details.feeds_without_record_errors == 0
        and all(entry["errorCode"] in RECORD_ERROR_CODES for entry in details.entries)
    )
