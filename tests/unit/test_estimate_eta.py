"""The ETA follows the load's rate: on loads that slow down or speed up, the seconds left come
from the average and the recent record rate (carried from the previous check), not the average
alone."""

from __future__ import annotations

import pytest

from bench import eta_shapes
from neptune_loader.estimate import SOURCE_SAMPLE, SourceTotals, build_estimate, parse_estimate
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.statuses import State

RUN = 3600.0  # running seconds of the load
RECORDS = 1_000_000
SHAPES = {  # share of the records done at fraction x of the running time
    "slowing down": lambda x: 1.5 * x - 0.5 * x * x,  # 3x faster at the start than at the end
    "speeding up": lambda x: 0.5 * x + 0.5 * x * x,
    "steady": lambda x: x,
}


def _eta_at_half(shape: str, checks: list[float]) -> int | None:
    """etaSeconds at half of the running time, after checks at the given fractions of it, each
    passing its estimate to the next (as the poll loop does)."""
    done = SHAPES[shape]
    carried: object = {"expectedRecords": RECORDS, "expectedFiles": 1, "basis": SOURCE_SAMPLE}
    estimate = None
    for x in [*checks, 0.5]:
        totals = parse_estimate(carried)
        assert totals is not None
        estimate = build_estimate(
            totals,
            State.IN_PROGRESS,
            records=round(RECORDS * done(x)),
            elapsed=round(RUN * x),
            feed_count={"LOAD_IN_PROGRESS": 1},
        )
        carried = estimate
    assert estimate is not None
    return estimate["etaSeconds"]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_time_left_at_half_time_follows_the_rate(shape: str) -> None:
    # Given checks at 20% and 35% of the running time, then one at half of it
    eta = _eta_at_half(shape, [0.2, 0.35])
    # Then the seconds left are within 5% of the half that is left (the average rate alone
    # says 40% short when slowing down and 67% long when speeding up)
    assert eta is not None
    assert abs(eta - RUN / 2) <= 0.05 * RUN / 2


def test_without_a_previous_check_the_average_rate_is_used() -> None:
    # The first check with totals has no recent rate: the average rate since the start
    assert _eta_at_half("steady", []) == RUN / 2
    eta = _eta_at_half("slowing down", [])
    assert eta is not None
    assert abs(eta - 0.3 * RUN) <= 1


def test_a_trend_that_would_stop_the_load_is_bounded() -> None:
    # A rate that fell to a tenth between checks: the load is not predicted never to end, and the
    # rate ahead is taken as at least the recent rate / 1.5
    totals = SourceTotals(1000, 1, SOURCE_SAMPLE, seen=(500, 100))
    estimate = build_estimate(
        totals, State.IN_PROGRESS, records=510, elapsed=200, feed_count={"LOAD_IN_PROGRESS": 1}
    )
    assert estimate["etaSeconds"] is not None
    assert 0 < estimate["etaSeconds"] <= 1.5 * 490 / (10 / 100) + 1


@pytest.mark.parametrize(
    "extra",
    [{"seenRecords": -1, "seenAt": 10}, {"seenRecords": 5, "seenAt": -1}, {"seenAt": True}],
)
def test_a_malformed_previous_check_is_rejected(extra: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="estimate"):
        parse_estimate({"basis": SOURCE_SAMPLE, "expectedRecords": 10, **extra})


# The largest ETA error allowed on each shape of bench/eta_shapes.py (the bench reports the errors;
# the average rate alone does worse on each).
ALLOWED = {
    "work as t**0.6": 0.27,
    "rate falling as the graph grows": 0.24,
    "rate halving at 30%": 0.5,
}


def test_every_shape_the_bench_reports_is_bounded() -> None:
    assert set(ALLOWED) == set(eta_shapes.CURVED)


@pytest.mark.parametrize("name", ALLOWED)
@pytest.mark.parametrize("previous", eta_shapes.PREVIOUS_CHECKS)
def test_a_trend_that_does_not_go_on_does_better_than_the_average(
    name: str, previous: float
) -> None:
    # Given a check at `previous` of the running time, then one at half of it
    error, average_error = eta_shapes.errors_at_half(name, previous)
    assert error <= ALLOWED[name]
    assert error < average_error


def test_a_running_time_too_large_for_a_time_left_gives_no_eta() -> None:
    # Found by tests/reliability: totalTimeSpent near the float maximum made the time left from
    # finished files infinite, and round() raised instead of the check answering.
    estimate = build_estimate(
        SourceTotals(None, None, "FEEDS_ONLY"),
        State.IN_PROGRESS,
        records=0,
        elapsed=3.5953862697246315e307,
        feed_count={"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 5},
    )
    assert estimate["percent"] == 16
    assert estimate["etaSeconds"] is None
