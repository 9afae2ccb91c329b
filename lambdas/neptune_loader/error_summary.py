"""Read a load's error log and failed feeds into the contract's bounded ``errors`` and
``failedFeeds`` shapes.

Neptune's payload is an untyped document: every field may be missing or of another type, so
nothing here indexes blindly and every string and list is capped.
"""

from __future__ import annotations

from collections import Counter
from typing import TypedDict

from neptune_loader.coerce import clip, count, counter_or_none

SAMPLE_SIZE = 10
MAX_CODES = 20
MAX_FAILED_FEEDS = 10
RECORD_ERROR_COUNTERS = ("parsingErrors", "datatypeMismatchErrors", "insertErrors")


class ErrorEntry(TypedDict):
    """One entry of Neptune's ``errorLogs``."""

    errorCode: str
    errorMessage: str
    fileName: str
    recordNum: int


class ErrorSummary(TypedDict):
    """The contract's ``errors`` object."""

    sample: list[ErrorEntry]
    byCode: dict[str, int]
    fetched: int
    truncated: bool


class FailedFeed(TypedDict):
    """One entry of the contract's ``failedFeeds``: the feed's URI, status and counters."""

    fullUri: str
    status: str
    totalRecords: int
    totalDuplicates: int
    parsingErrors: int
    datatypeMismatchErrors: int
    insertErrors: int


def error_entry(raw: object) -> ErrorEntry:
    """One normalized error log entry."""
    item = raw if isinstance(raw, dict) else {"errorMessage": raw}
    return ErrorEntry(
        errorCode=clip(item.get("errorCode"), 64),
        errorMessage=clip(item.get("errorMessage")),
        fileName=clip(item.get("fileName")),
        recordNum=count(item.get("recordNum")),
    )


def summarize(
    entries: list[ErrorEntry], *, truncated: bool, sample_size: int = SAMPLE_SIZE
) -> ErrorSummary:
    """Counts by error code over every fetched entry, plus the first ``sample_size`` entries."""
    by_code = Counter(entry["errorCode"] or "UNKNOWN" for entry in entries)
    top = dict(by_code.most_common(MAX_CODES))
    return ErrorSummary(
        sample=entries[:sample_size],
        byCode=top,
        fetched=len(entries),
        truncated=truncated or len(top) < len(by_code),
    )


def failed_feed(raw: object) -> FailedFeed:
    """One normalized ``failedFeeds`` entry (same fields as ``overallStatus``)."""
    item = raw if isinstance(raw, dict) else {}
    return FailedFeed(
        fullUri=clip(item.get("fullUri")),
        status=clip(item.get("status"), 64),
        totalRecords=count(item.get("totalRecords")),
        totalDuplicates=count(item.get("totalDuplicates")),
        parsingErrors=count(item.get("parsingErrors")),
        datatypeMismatchErrors=count(item.get("datatypeMismatchErrors")),
        insertErrors=count(item.get("insertErrors")),
    )


def failed_feeds(raw: object) -> list[FailedFeed]:
    """At most `MAX_FAILED_FEEDS` normalized failed feeds."""
    if not isinstance(raw, list):
        return []
    return [failed_feed(item) for item in raw[:MAX_FAILED_FEEDS]]


def feed_evidence(raw: object) -> tuple[frozenset[str], int, int]:
    """Over *every* failed feed (not only the ones shown): their distinct statuses, their record
    errors (an unreadable counter counts as one error: it is no evidence of none), and how many
    failed feeds report no record error."""
    if not isinstance(raw, list):
        return frozenset(), 0, 0
    statuses: set[str] = set()
    errors = without_errors = 0
    for item in raw:
        feed = item if isinstance(item, dict) else {}
        statuses.add(clip(feed.get("status"), 64))
        feed_errors = 0
        for name in RECORD_ERROR_COUNTERS:
            value = feed.get(name)
            counter = counter_or_none(value)
            feed_errors += (1 if value is not None else 0) if counter is None else counter
        errors += feed_errors
        without_errors += feed_errors == 0
    return frozenset(statuses), errors, without_errors
