"""Read a load's progress from Neptune's ``overallStatus`` and ``feedCount`` into the contract's
``progress`` object.

Neptune's payload is an untyped document: every field may be missing or of another type (queued
loads have no ``feedCount``; examples show ``totalTimeSpent`` as 3 or 3.0), so nothing here indexes
blindly and every string is capped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from neptune_loader.coerce import MAX_COUNTER_DIGITS, clip, count, counter_or_none, number_or_none

MAX_FEED_STATUSES = 20
# Files per status are counted in floats by the wait policy and the estimate; a count of hundreds
# of digits (a float like 4e307 in the JSON) would not convert, so counts stop at the longest a
# counter string may have.
MAX_FEED_COUNT = 10**MAX_COUNTER_DIGITS - 1
COUNTERS = (
    "totalRecords",
    "totalDuplicates",
    "parsingErrors",
    "datatypeMismatchErrors",
    "insertErrors",
)
ERROR_COUNTERS = ("parsingErrors", "datatypeMismatchErrors", "insertErrors")


class Progress(TypedDict):
    """The contract's ``progress`` object."""

    totalRecords: int
    totalDuplicates: int
    parsingErrors: int
    datatypeMismatchErrors: int
    insertErrors: int
    totalTimeSpent: int | float
    startTime: int | float | None
    runNumber: int | None
    retryNumber: int | None
    feedCount: dict[str, int]


def feed_counts(raw: object) -> dict[str, int]:
    """Merge Neptune's list of single-key objects (``[{"LOAD_COMPLETED": 1}, ...]``) into one dict."""
    merged: dict[str, int] = {}
    items: Iterable[object] = (
        raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    )
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            name = clip(key, 64)
            if name in merged or len(merged) < MAX_FEED_STATUSES:
                merged[name] = min(MAX_FEED_COUNT, merged.get(name, 0) + count(value))
    return merged


def empty_progress() -> Progress:
    """Progress when nothing is known (the status could not be read)."""
    return Progress(
        totalRecords=0,
        totalDuplicates=0,
        parsingErrors=0,
        datatypeMismatchErrors=0,
        insertErrors=0,
        totalTimeSpent=0,
        startTime=None,
        runNumber=None,
        retryNumber=None,
        feedCount={},
    )


def read_progress(overall: dict[str, Any], feed_count_raw: object) -> Progress:
    """Progress from ``overallStatus`` and ``feedCount``, tolerating missing and mistyped fields."""
    progress = empty_progress()
    for name in COUNTERS:
        progress[name] = count(overall.get(name))  # type: ignore[literal-required]
    progress["totalTimeSpent"] = max(0, number_or_none(overall.get("totalTimeSpent")) or 0)
    progress["startTime"] = number_or_none(overall.get("startTime"))
    run, retry = (
        number_or_none(overall.get("runNumber")),
        number_or_none(overall.get("retryNumber")),
    )
    progress["runNumber"] = int(run) if run is not None else None
    progress["retryNumber"] = int(retry) if retry is not None else None
    progress["feedCount"] = feed_counts(feed_count_raw)
    return progress


def unreadable_counters(overall: dict[str, Any]) -> list[str]:
    """The counters Neptune sent that are not readable numbers (a missing one is 0, as for a
    queued load; an unreadable one is not evidence of anything, least of all of no errors)."""
    return [
        name
        for name in COUNTERS
        if overall.get(name) is not None and counter_or_none(overall.get(name)) is None
    ]


def error_count(progress: Progress) -> int:
    """How many records Neptune reported as errors (parsing, datatype mismatch, insert)."""
    return sum(progress[name] for name in ERROR_COUNTERS)  # type: ignore[literal-required]
