"""Turn Neptune's untyped payload pieces into the contract's bounded, typed shapes.

Neptune's payload is an untyped document: every field may be missing or of another type (queued
loads have no ``feedCount``; examples show ``totalTimeSpent`` as 3 or 3.0), so nothing here indexes
blindly and every string and list is capped.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypedDict

SAMPLE_SIZE = 10
MAX_FIELD_CHARS = 500
MAX_CODES = 20
MAX_FAILED_FEEDS = 10
MAX_FEED_STATUSES = 20
MAX_COUNTER_DIGITS = 20

COUNTERS = (
    "totalRecords",
    "totalDuplicates",
    "parsingErrors",
    "datatypeMismatchErrors",
    "insertErrors",
)
ERROR_COUNTERS = ("parsingErrors", "datatypeMismatchErrors", "insertErrors")


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


def clip(value: object, limit: int = MAX_FIELD_CHARS) -> str:
    """A string no longer than ``limit`` characters (non-strings are rendered, None is empty)."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(value: object) -> int:
    """A non-negative integer counter from whatever Neptune sent (0 when unreadable)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float) and math.isfinite(value):
        return max(0, int(value))
    # isdigit() alone accepts "²" (int() rejects it), and int() refuses strings over 4,300 digits.
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_COUNTER_DIGITS:
        return int(text)
    return 0


def number_or_none(value: object) -> int | float | None:
    """A finite number (int where integral) or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    return value


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
                merged[name] = merged.get(name, 0) + count(value)
    return merged


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


def failed_feed(raw: object) -> dict[str, Any]:
    """One normalized ``failedFeeds`` entry (same fields as ``overallStatus``)."""
    item = raw if isinstance(raw, dict) else {}
    feed: dict[str, Any] = {
        "fullUri": clip(item.get("fullUri")),
        "status": clip(item.get("status"), 64),
    }
    for name in COUNTERS:
        feed[name] = count(item.get(name))
    return feed


def failed_feeds(raw: object) -> list[dict[str, Any]]:
    """At most `MAX_FAILED_FEEDS` normalized failed feeds."""
    if not isinstance(raw, list):
        return []
    return [failed_feed(item) for item in raw[:MAX_FAILED_FEEDS]]


def json_size(document: object) -> int:
    """Bytes of ``document`` as JSON with every non-ASCII character escaped (the worst case)."""
    return len(json.dumps(document, ensure_ascii=True, separators=(",", ":")))
