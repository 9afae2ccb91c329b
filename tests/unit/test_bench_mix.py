"""The users' mix reports what it computed: the ETA figures of its text come from the mix's
result, not from numbers typed into the report."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench import eta_shapes, mix
from bench.report import users_mix_section
from neptune_loader.poll_loop import LoopBounds
from neptune_loader.wait_policy import WaitPolicy


@pytest.fixture(scope="module")
def small_mix() -> dict[str, Any]:
    # One load per shape group, polled with the default policy and the workflow's default bounds
    return mix.run_mix(WaitPolicy(), 30, LoopBounds(500, 36 * 3600, 10), per_group=1)


def test_the_mix_computes_the_average_rate_eta_error_next_to_the_shipped_one(
    small_mix: dict[str, Any],
) -> None:
    rows = small_mix["rows"]
    # Each load's error at half time, with the shipped ETA and with the average rate alone
    assert all(("eta_error" in row and "eta_average_error" in row) for row in rows)
    assert any(row["eta_average_error"] is not None for row in rows)
    assert set(small_mix["eta_average_median_error_by_shape"]) == set(mix.SHAPE_WEIGHTS)
    # And the shapes the unit tests bound, worked the same way
    assert small_mix["eta_curved_shapes"] == eta_shapes.worst_errors()


def test_the_reports_eta_figures_are_the_mixs(small_mix: dict[str, Any]) -> None:
    # Given a result whose ETA figures are all distinct and found in no typed text
    result = copy.deepcopy(small_mix)
    shapes = ("linear", "front-loaded", "back-loaded")
    result["eta_median_error_by_shape"] = dict(zip(shapes, (0.11, 0.12, 0.13), strict=True))
    result["eta_average_median_error_by_shape"] = dict(zip(shapes, (0.21, 0.22, 0.23), strict=True))
    result["eta_curved_shapes"] = {
        name: {"eta": 0.31 + i / 100, "average": 0.41 + i / 100}
        for i, name in enumerate(eta_shapes.CURVED)
    }
    # When the report is written
    text = " ".join(" ".join(users_mix_section(result)).split())
    # Then each figure is in it, and none of the figures once typed there
    assert "(the average rate alone: 21%, 22%, 23%)" in text
    assert "31% and 32% (average rate 41%, 42%)" in text
    assert "33% (average 43%)" in text
    for typed in ("1%, 39%, 68%", "26% and 23%", "48%, 46%", "50% (average 60%)"):
        assert typed not in text
