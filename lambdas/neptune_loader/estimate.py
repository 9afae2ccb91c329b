"""What a load's source predicts: its expected records and files, and from them and Neptune's
counters the status object's ``estimate`` (percent done, seconds left, and on what basis).

Neptune reports running counters but no totals. When source estimates are on, the status Lambda
reads the source once per load (:mod:`neptune_loader.source_sample`) and the poll loop carries the
totals from check to check in the ``estimate`` object, like the progress mark. Without totals the
percent comes from the finished files (``FEEDS_ONLY``), which says nothing for one-file loads.

Percent is ``totalRecords / expectedRecords`` (never 100 while a load runs, never complete on a
failed load). The time left follows the load's rate: each running check with expected records also
emits ``seenRecords``/``seenAt`` (its ``totalRecords`` and running seconds), and the next check
compares the recent rate since then with the average rate since the start. Taken as the rate at
the middle of each span, the two give the rate's trend (loads slow down as the graph grows, or
speed up); the records left are spread over a rate that carries on that trend, kept within 1.5x
of the recent rate, so a trend that does not go on (a burst, a curve) never predicts a load that
never ends. Without a previous check (or with no record since it) the average rate is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NotRequired, Protocol, TypedDict

from neptune_loader.coerce import clip
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.statuses import State
from neptune_loader.wait_policy import Forecast, completed_fraction

# ``basis`` is one of these codes; ``basisDetail`` says why in words (a failure, or no estimate yet).
SOURCE_SAMPLE = "SOURCE_SAMPLE"
FEEDS_ONLY = "FEEDS_ONLY"
SOURCE_UNREADABLE = "SOURCE_UNREADABLE"  # denied, missing, too slow, not in S3, nothing listed
SOURCE_NOT_COUNTABLE = "SOURCE_NOT_COUNTABLE"  # not a line-based format, not a known CSV header
MAX_BASIS_CHARS = 200
# A load's counters are far below this; JSON keeps integers exact up to 2**53.
MAX_EXPECTED = 2**53
RUNNING_PERCENT_CAP = 99
# The rate ahead stays within this factor of the recent rate, however the rate trended: exact
# while the rate changes steadily, and no worse than the recent rate alone when it does not.
RATE_AHEAD_BOUND = 1.5


class EstimateJson(TypedDict):
    """The status object's ``estimate`` (additive; the loop passes it back with the next check)."""

    expectedRecords: int | None
    expectedFiles: int | None
    percent: int | None
    etaSeconds: int | None
    basis: str
    basisDetail: NotRequired[str]
    # totalRecords and running seconds of the check that emitted it (running, records expected).
    seenRecords: NotRequired[int]
    seenAt: NotRequired[int | float]


@dataclass(frozen=True)
class SourceTotals:
    """What the source predicts; ``basis`` says where it came from, ``detail`` why it is unknown."""

    expected_records: int | None
    expected_files: int | None
    basis: str
    # (totalRecords, running seconds) of the previous check, for the recent rate.
    seen: tuple[int, float] | None = None
    detail: str | None = None

    @classmethod
    def unavailable(cls, why: str, basis: str = SOURCE_UNREADABLE) -> SourceTotals:
        """Totals that could not be read: the loop falls back to the finished files."""
        return cls(None, None, basis, detail=clip(why, MAX_BASIS_CHARS))

    @property
    def attempted(self) -> bool:
        """Whether the source was read (successfully or not): it is not read again."""
        return self.basis != FEEDS_ONLY


FEEDS_ONLY_TOTALS = SourceTotals(None, None, FEEDS_ONLY)


class SourceSampler(Protocol):
    """Reads a load's source for its expected totals (`neptune_loader.source_sample`)."""

    def __call__(self, full_uri: str, *, seconds: float, load_format: str | None) -> SourceTotals:
        """The totals of ``full_uri`` read within ``seconds`` (``load_format``: the load
        request's ``format``, None when unknown)."""
        ...


def forecast(totals: SourceTotals, *, records: int, elapsed: float) -> Forecast | None:
    """Predicted running seconds left and in all, at the average record rate so far; None
    without expected records, records or running time. Once the records pass the expected total
    (the estimate was low) the seconds left are negative: how long ago the predicted end was."""
    expected = totals.expected_records
    if expected is None or expected <= 0 or records <= 0 or elapsed <= 0:
        return None
    total = elapsed * expected / records
    return Forecast(seconds_left=total - elapsed, total_seconds=total)


def eta_seconds(totals: SourceTotals, *, records: int, elapsed: float) -> float | None:
    """Running seconds left from the average and the recent rate (module docstring); None
    without expected records, records or running time, or once the records pass the total."""
    expected = totals.expected_records
    if not expected or records <= 0 or elapsed <= 0 or records >= expected:
        return None
    left, average = expected - records, records / elapsed
    before, then = totals.seen or (0, 0.0)
    if not 0 < then < elapsed or not 0 <= before <= records:
        return left / average
    recent = (records - before) / (elapsed - then)
    if recent <= 0:  # no record since the previous check: a stall says nothing of the rate ahead
        return left / average
    # average: the rate at elapsed / 2; recent: at (then + elapsed) / 2; so the trend per second
    trend = 2 * (recent - average) / then
    now = recent + trend * (elapsed - then) / 2
    # Records left = now * t + trend * t**2 / 2, solved for t (the stable form of the root)
    root = now * now + 2 * trend * left
    seconds = 2 * left / (now + math.sqrt(root)) if now > 0 and root > 0 else math.inf
    return min(max(seconds, left / (RATE_AHEAD_BOUND * recent)), left * RATE_AHEAD_BOUND / recent)


def _whole_seconds(eta: float | None) -> int | None:
    """``eta`` in whole seconds; None when it is not a finite time (hostile counters)."""
    return None if eta is None or not math.isfinite(eta) else min(round(eta), MAX_EXPECTED)


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
        eta = eta_seconds(totals, records=records, elapsed=elapsed)
    else:
        done = completed_fraction(feed_count)
        if done is not None and sum(feed_count.values()) > 1:
            percent = 100 * done
            if 0 < done < 1:
                eta = elapsed * (1 - done) / done
    if percent is not None and state is not State.SUCCEEDED:
        percent = min(RUNNING_PERCENT_CAP, percent)
    estimate = EstimateJson(
        expectedRecords=totals.expected_records,
        expectedFiles=totals.expected_files,
        percent=math.floor(percent) if percent is not None else None,
        etaSeconds=_whole_seconds(eta) if state is not State.FAILED else None,
        basis=totals.basis,
    )
    if totals.detail:
        estimate["basisDetail"] = totals.detail
    if state is State.IN_PROGRESS and totals.expected_records and records > 0 and elapsed > 0:
        estimate |= {"seenRecords": records, "seenAt": elapsed}
    return estimate


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
    basis, detail = value["basis"], value.get("basisDetail")
    if not isinstance(basis, str) or not basis or len(basis) > MAX_BASIS_CHARS:
        raise InvalidInputError(f"estimate.basis must be a short string, got {str(basis)[:50]}")
    if detail is not None and (not isinstance(detail, str) or len(detail) > MAX_BASIS_CHARS):
        raise InvalidInputError(
            f"estimate.basisDetail must be a short string, got {str(detail)[:50]}"
        )
    seen_records = _count_or_none(value.get("seenRecords"), "seenRecords")
    seen_at = value.get("seenAt")
    if seen_at is not None and (
        isinstance(seen_at, bool)
        or not isinstance(seen_at, int | float)
        or not 0 <= seen_at <= MAX_EXPECTED
    ):
        raise InvalidInputError(f"estimate.seenAt must be null or seconds >= 0, got {seen_at!r}")
    return SourceTotals(
        _count_or_none(value.get("expectedRecords"), "expectedRecords"),
        _count_or_none(value.get("expectedFiles"), "expectedFiles"),
        basis,
        None if seen_records is None or seen_at is None else (seen_records, float(seen_at)),
        detail or None,
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
