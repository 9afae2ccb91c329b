"""Progress shapes whose rate does not change steadily, where the ETA's trend does not go on.

tests/unit/test_estimate_eta.py bounds the ETA's error on them; the bench reports the same errors
(:func:`worst_errors`), so the report's figures are computed, not typed. Each shape is the share
of the records done at fraction x of the running time; the ETA is worked at half of the running
time, after one previous check at each of :data:`PREVIOUS_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from neptune_loader.estimate import SOURCE_SAMPLE, SourceTotals, build_estimate
from neptune_loader.statuses import State

RUN = 3600.0  # running seconds of the load
RECORDS = 1_000_000
PREVIOUS_CHECKS = (0.2, 0.3, 0.4, 0.45)
CURVED: dict[str, Callable[[float], float]] = {
    "work as t**0.6": lambda x: x**0.6,
    "rate falling as the graph grows": lambda x: (-1 + (1 + 24 * x) ** 0.5) / 4,
    "rate halving at 30%": lambda x: 2 * x if x < 0.3 else 0.6 + (x - 0.3) * 0.4 / 0.7,
}


def errors_at_half(name: str, previous: float) -> tuple[float, float]:
    """|etaSeconds - true time left| / true time left at half time after a check at
    ``previous``, and the same for the average rate alone."""
    done = CURVED[name]
    totals = SourceTotals(
        RECORDS, 1, SOURCE_SAMPLE, seen=(round(RECORDS * done(previous)), RUN * previous)
    )
    records = round(RECORDS * done(0.5))
    estimate = build_estimate(
        totals, State.IN_PROGRESS, records=records, elapsed=RUN / 2, feed_count={}
    )
    eta = estimate["etaSeconds"]
    if eta is None:
        raise AssertionError(f"no etaSeconds for {name} after a check at {previous}")
    left = RUN / 2
    average_eta = (RECORDS - records) / (records / (RUN / 2))
    return abs(eta - left) / left, abs(average_eta - left) / left


def worst_errors() -> dict[str, dict[str, float]]:
    """Per shape, the largest error over :data:`PREVIOUS_CHECKS` of the ETA and of the average
    rate alone."""
    worst: dict[str, dict[str, float]] = {}
    for name in CURVED:
        errors = [errors_at_half(name, previous) for previous in PREVIOUS_CHECKS]
        worst[name] = {
            "eta": max(eta for eta, _ in errors),
            "average": max(average for _, average in errors),
        }
    return worst
