"""What a load's source predicts: its expected records and files, and from them and Neptune's
counters the status object's ``estimate`` (percent done, seconds left, and on what basis).

Neptune reports running counters but no totals. When source estimates are on, the status Lambda
reads the source once per load (:mod:`neptune_loader.source_sample`) and the poll loop carries the
totals from check to check in the ``estimate`` object, like the progress mark. Without totals the
percent comes from the finished files (``FEEDS_ONLY``), which says nothing for one-file loads.

Percent is ``totalRecords / expectedRecords`` (never 100 while a load runs, never complete on a
failed load); the time left is the records still expected at the average record rate so far
(``totalRecords / totalTimeSpent``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

from neptune_loader.coerce import clip
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.statuses import State
from neptune_loader.wait_policy import Forecast, completed_fraction

SOURCE_SAMPLE = "SOURCE_SAMPLE"
FEEDS_ONLY = "FEEDS_ONLY"
UNAVAILABLE = "UNAVAILABLE"
MAX_BASIS_CHARS = 200
# A load's counters are far below this; JSON keeps integers exact up to 2**53.
MAX_EXPECTED = 2**53
RUNNING_PERCENT_CAP = 99


class EstimateJson(TypedDict):
    """The status object's ``estimate`` (additive; the loop passes it back with the next check)."""

    expectedRecords: int | None
    expectedFiles: int | None
    percent: int | None
    etaSeconds: int | None
    basis: str


@dataclass(frozen=True)
class SourceTotals:
    """What the source predicts; ``basis`` says where it came from (or why it is unknown)."""

    expected_records: int | None
    expected_files: int | None
    basis: str

    @classmethod
    def unavailable(cls, why: str) -> SourceTotals:
        """Totals that could not be read: the loop falls back to the finished files."""
        return cls(None, None, clip(f"{UNAVAILABLE}: {why}", MAX_BASIS_CHARS))

    @property
    def attempted(self) -> bool:
        """Whether the source was read (successfully or not): it is not read again."""
        return self.basis != FEEDS_ONLY


FEEDS_ONLY_TOTALS = SourceTotals(None, None, FEEDS_ONLY)


def forecast(totals: SourceTotals, *, records: int, elapsed: float) -> Forecast | None:
    """Predicted running seconds left and in all, at the average record rate so far; None
    without expected records, records or running time. Once the records pass the expected total
    (the estimate was low) the seconds left are negative: how long ago the predicted end was."""
    expected = totals.expected_records
    if expected is None or expected <= 0 or records <= 0 or elapsed <= 0:
        return None
    total = elapsed * expected / records
    return Forecast(seconds_left=total - elapsed, total_seconds=total)


def build_estimate(
    totals: SourceTotals,
    state: State,
    *,
    records: int,
    elapsed: float,
    feed_count: dict[str, int],
) -> EstimateJson:
    """The status object's ``estimate`` for a check that read ``records`` after ``elapsed`` s."""
    percent: float | None = None
    eta: float | None = None
    if state is State.SUCCEEDED:
        percent, eta = 100, 0
    elif totals.expected_records:
        percent = 100 * records / totals.expected_records
        ahead = forecast(totals, records=records, elapsed=elapsed)
        eta = ahead.seconds_left if ahead and ahead.seconds_left > 0 else None
    else:
        done = completed_fraction(feed_count)
        if done is not None and sum(feed_count.values()) > 1:
            percent = 100 * done
            if 0 < done < 1:
                eta = elapsed * (1 - done) / done
    if percent is not None and state is not State.SUCCEEDED:
        percent = min(RUNNING_PERCENT_CAP, percent)
    if eta is not None and not math.isfinite(eta):
        eta = None  # a running time near the float limit (Neptune's totalTimeSpent is any number)
    return EstimateJson(
        expectedRecords=totals.expected_records,
        expectedFiles=totals.expected_files,
        percent=math.floor(percent) if percent is not None else None,
        etaSeconds=round(eta) if eta is not None and state is not State.FAILED else None,
        basis=totals.basis,
    )


def _count_or_none(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EXPECTED:
        raise InvalidInputError(f"estimate.{name} must be null or an integer >= 0, got {value!r}")
    return value


def parse_estimate(value: object) -> SourceTotals | None:
    """The ``estimate`` input (what the previous check emitted; absent or null: none yet)."""
    if value is None:
        return None
    allowed = set(EstimateJson.__annotations__)
    if not isinstance(value, dict) or not set(value) <= allowed or "basis" not in value:
        raise InvalidInputError(
            "estimate must be the previous check's estimate object "
            f"({', '.join(sorted(allowed))}), got {str(value)[:200]}"
        )
    basis = value["basis"]
    if not isinstance(basis, str) or not basis or len(basis) > MAX_BASIS_CHARS:
        raise InvalidInputError(f"estimate.basis must be a short string, got {str(basis)[:50]}")
    return SourceTotals(
        _count_or_none(value.get("expectedRecords"), "expectedRecords"),
        _count_or_none(value.get("expectedFiles"), "expectedFiles"),
        basis,
    )


def _duration(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} h {rest:02d} min"


def describe_estimate(estimate: EstimateJson) -> str | None:
    """``about 37% done, about 12 minutes left`` (None when nothing is known)."""
    percent, eta = estimate["percent"], estimate["etaSeconds"]
    if percent is None:
        return None
    text = f"about {percent}% done"
    if eta is not None:
        text += f", {_duration(eta)} left"
    return text
