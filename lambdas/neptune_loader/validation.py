"""Input parsing for both Lambdas: every problem becomes an `InvalidInputError` naming the field.

Plain functions and dataclasses rather than Pydantic: the status Lambda runs thousands of times per
load fleet and Pydantic roughly adds a third to its cold start (see docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from neptune_loader.estimate import SourceTotals, parse_estimate
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.resumability import ErrorTolerance
from neptune_loader.wait_policy import MAX_FEEDS, MAX_SECONDS, CheckBudget, ProgressMark

MAX_LOAD_ID_LENGTH = 64
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_ERRORS_PER_PAGE = 100
MAX_PAGE = 10_000  # Neptune keeps at most 10,000 error details per load.
MAX_COUNTER = 1_000_000
MAX_TOLERATED_ERRORS = 1_000_000_000


@dataclass(frozen=True, kw_only=True)
class StatusRequest:
    """A validated request to the status Lambda."""

    load_id: str
    include_errors: bool = False
    page: int = 1
    errors_per_page: int = 10
    checks: int = 0
    consecutive_retries: int = 0
    # Set by the poll loop: the progress mark of the previous check, the seconds waited so far
    # (the wait before this check included) and the loop's bounds.
    progress_mark: ProgressMark | None = None
    waited_seconds: float = 0.0
    budget: CheckBudget | None = None
    # How the load was started (the workflow sends its request as ``loadRequest``): Neptune's
    # default failOnError is TRUE; a tolerance here overrides the deployment's.
    fail_on_error: bool = True
    tolerance: ErrorTolerance | None = None
    # The request's ``format`` (lower case), for the source sampler; None when not sent.
    load_format: str | None = None
    # The previous check's estimate (the source's expected totals): the source is read once.
    estimate: SourceTotals | None = None


def validate_load_id(value: object, field: str = "loadId") -> str:
    """Return ``value`` if it is a Neptune load id (a UUID string), else raise `InvalidInputError`."""
    if value is None:
        raise InvalidInputError(
            f"{field} is missing: pass a Neptune load id, e.g. {{'loadId': '…'}}"
        )
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(f"{field} is empty: pass the id returned by POST /loader")
    if len(value) > MAX_LOAD_ID_LENGTH:
        raise InvalidInputError(
            f"{field} is too long ({len(value)} characters); Neptune load ids are 36-character UUIDs"
        )
    if not _UUID.fullmatch(value):  # match() with "$" lets a trailing newline through
        raise InvalidInputError(
            f"{field} {value!r} is malformed; Neptune load ids are UUIDs like "
            "'ef478d76-d9da-4d94-8ff1-08d9d4863aa5'"
        )
    return value.lower()


def _find_load_id(event: dict[str, Any]) -> object:
    """Find the load id in any of the accepted shapes (bare, raw start response, LambdaInvoke result)."""
    if "loadId" in event:
        return event["loadId"]
    for wrapper in ("payload", "Payload"):
        inner = event.get(wrapper)
        if isinstance(inner, dict):
            if "loadId" in inner:
                return inner["loadId"]
            # A LambdaInvoke result of the raw start_loader_job response: {"Payload": {"payload": {...}}}
            nested = inner.get("payload")
            if isinstance(nested, dict) and "loadId" in nested:
                return nested["loadId"]
    return None


def _bool_option(event: dict[str, Any], key: str, default: bool) -> bool:
    value = event.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInputError(f"{key} must be true or false, got {value!r}")
    return value


def _int_option(event: dict[str, Any], key: str, *, default: int, low: int, high: int) -> int:
    value = event.get(key, default)
    # bool is an int subclass: reject it explicitly so `true` is not read as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{key} must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise InvalidInputError(f"{key} must be from {low} to {high}, got {value}")
    return value


def _seconds(value: object) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        return None
    return float(value)


def parse_progress_mark(value: object) -> ProgressMark | None:
    """The ``progressMark`` input: ``{"finishedFeeds": int >= 0, "seenAt": number >= 0}``, with
    ``"shortestFile": number >= 0`` once a file has finished (absent or null: no mark)."""
    if value is None:
        return None
    shape = (
        "progressMark must be {'finishedFeeds': int >= 0, 'seenAt': seconds >= 0"
        "[, 'shortestFile': seconds >= 0]}"
    )
    required = {"finishedFeeds", "seenAt"}
    if not isinstance(value, dict) or not required <= set(value) <= {*required, "shortestFile"}:
        raise InvalidInputError(f"{shape}, got {str(value)[:200]}")
    finished = value["finishedFeeds"]
    if isinstance(finished, bool) or not isinstance(finished, int):
        raise InvalidInputError(f"{shape}; finishedFeeds is {finished!r}")
    if not 0 <= finished <= MAX_FEEDS:
        raise InvalidInputError(f"{shape}; finishedFeeds {finished} is out of range")
    seen_at = _seconds(value["seenAt"])
    if seen_at is None:
        raise InvalidInputError(f"{shape}; seenAt is {str(value['seenAt'])[:50]}")
    if "shortestFile" not in value:
        return ProgressMark(finished, seen_at)
    shortest = _seconds(value["shortestFile"])
    if shortest is None:
        raise InvalidInputError(f"{shape}; shortestFile is {str(value['shortestFile'])[:50]}")
    return ProgressMark(finished, seen_at, shortest)


def _budget(event: dict[str, Any]) -> CheckBudget | None:
    if "maxChecks" not in event and "maxTotalWaitSeconds" not in event:
        return None
    if "maxChecks" not in event or "maxTotalWaitSeconds" not in event:
        raise InvalidInputError("maxChecks and maxTotalWaitSeconds are only valid together")
    return CheckBudget(
        max_checks=_int_option(event, "maxChecks", default=1, low=1, high=MAX_COUNTER),
        max_total_wait=_int_option(
            event, "maxTotalWaitSeconds", default=1, low=1, high=MAX_SECONDS
        ),
    )


def parse_status_event(event: object) -> StatusRequest:
    """Validate a status Lambda event (any of the contract's shapes) into a `StatusRequest`."""
    if not isinstance(event, dict):
        raise InvalidInputError(
            f"the event must be a JSON object like {{'loadId': '…'}}, got {type(event).__name__}"
        )
    load_id = validate_load_id(_find_load_id(event))
    include_errors = _bool_option(event, "includeErrors", False)
    page = _int_option(event, "page", default=1, low=1, high=MAX_PAGE)
    per_page = _int_option(event, "errorsPerPage", default=10, low=1, high=MAX_ERRORS_PER_PAGE)
    if not include_errors and ("page" in event or "errorsPerPage" in event):
        raise InvalidInputError("page and errorsPerPage only apply with includeErrors: true")
    return StatusRequest(
        load_id=load_id,
        include_errors=include_errors,
        page=page,
        errors_per_page=per_page,
        checks=_int_option(event, "checks", default=0, low=0, high=MAX_COUNTER),
        consecutive_retries=_int_option(
            event, "consecutiveRetries", default=0, low=0, high=MAX_COUNTER
        ),
        progress_mark=parse_progress_mark(event.get("progressMark")),
        waited_seconds=_waited(event),
        budget=_budget(event),
        **_load_options(event),
        estimate=parse_estimate(event.get("estimate")),
    )


def _load_options(event: dict[str, Any]) -> dict[str, Any]:
    """``failOnError`` and ``errorTolerance``, at the top level or in ``loadRequest`` (the
    workflow's input: a loader request, or the ``{"loadId": ...}`` of a watched load), and the
    loader request's ``format``."""
    request = event.get("loadRequest")
    if request is not None and not isinstance(request, dict):
        raise InvalidInputError(f"loadRequest must be an object, got {type(request).__name__}")
    sources = [event, request or {}]
    fail_on_error = next(
        (s["failOnError"] for s in sources if s.get("failOnError") is not None), None
    )
    tolerance = next(
        (s["errorTolerance"] for s in sources if s.get("errorTolerance") is not None), None
    )
    load_format = (request or {}).get("format")
    if load_format is not None and not isinstance(load_format, str):
        raise InvalidInputError(
            f"loadRequest.format must be a string, got {type(load_format).__name__}"
        )
    return {
        "fail_on_error": _fail_on_error(fail_on_error),
        "tolerance": parse_error_tolerance(tolerance),
        "load_format": load_format.strip().lower()[:50] if load_format else None,
    }


def _fail_on_error(value: object) -> bool:
    if value is None:
        return True  # Neptune's default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise InvalidInputError(f"failOnError must be TRUE or FALSE, got {str(value)[:50]!r}")


def parse_error_tolerance(value: object) -> ErrorTolerance | None:
    """The ``errorTolerance`` option: ``{"maxRecordErrors": int >= 0, "maxErrorShare": 0..1}``
    (either key may be left out; absent or null: the deployment's tolerance)."""
    if value is None:
        return None
    shape = "errorTolerance must be {'maxRecordErrors': int >= 0, 'maxErrorShare': 0 to 1}"
    if not isinstance(value, dict) or not set(value) <= {"maxRecordErrors", "maxErrorShare"}:
        raise InvalidInputError(f"{shape}, got {str(value)[:200]}")
    count = _int_option(value, "maxRecordErrors", default=0, low=0, high=MAX_TOLERATED_ERRORS)
    share = value.get("maxErrorShare", 0)
    if (
        isinstance(share, bool)
        or not isinstance(share, int | float)
        or not math.isfinite(share)
        or not 0 <= share <= 1
    ):
        raise InvalidInputError(f"{shape}; maxErrorShare is {str(share)[:50]}")
    return ErrorTolerance(max_record_errors=count, max_error_share=float(share))


def _waited(event: dict[str, Any]) -> float:
    value = event.get("waitedSeconds", 0)
    seconds = _seconds(value)
    if seconds is None:
        raise InvalidInputError(f"waitedSeconds must be seconds >= 0, got {str(value)[:50]}")
    return seconds
