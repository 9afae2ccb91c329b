"""Batch input: validated whole before anything is sent; errors name the load and the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from batch_loader.batch_input import MAX_INPUT_BYTES, MAX_LOADS, validate_batch
from batch_loader.verdict import MAX_CAUSE_CHARS, effective_dependencies, failure_cause
from neptune_loader.exceptions import InvalidInputError

ROLE = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"


def validate(event: object) -> Any:
    return validate_batch(event, default_role_arn=ROLE, default_region="us-east-1")


def load(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "source": f"s3://bucket/{name}/", **extra}


def test_defaults_merge_under_each_load_and_dependencies_become_indexes() -> None:
    batch = validate(
        {
            "loads": [load("v"), load("e", dependsOn=["v"], format="opencypher")],
            "defaults": {"format": "csv", "failOnError": True},
        }
    )
    assert [item.name for item in batch.loads] == ["v", "e"]
    assert batch.loads[0].request["format"] == "csv"
    assert batch.loads[1].request["format"] == "opencypher"  # the load's own key wins
    assert batch.loads[1].request["failOnError"] is True
    assert batch.loads[1].depends_on == (0,)
    assert batch.continue_on_failure is False


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "the batch must be a JSON object"),
        ({"loads": []}, "loads is missing"),
        ({"loads": [load("a")], "extra": 1}, "unknown batch keys: extra"),
        ({"loads": [load("a"), load("a")]}, "loads[1].name 'a' is used twice"),
        ({"loads": [{"source": "s3://b/x"}]}, "loads[0].name must be"),
        (
            {"loads": [load("a", dependsOn=["b"]), load("b")]},
            "load 'a': dependsOn 'b' names a later load",
        ),
        ({"loads": [load("a", dependsOn=["a"])]}, "load 'a': dependsOn names the load itself"),
        ({"loads": [load("a", dependsOn=["zz"])]}, "load 'a': dependsOn 'zz' names no load"),
        ({"loads": [load("a", dependsOn="b")]}, "load 'a': dependsOn must be a list"),
        ({"loads": [load("a", format="xml")]}, "load 'a': format must be one of"),
        ({"loads": [{"name": "a", "format": "csv"}]}, "load 'a': source is missing"),
        ({"loads": [load("a", queueRequest=False)]}, "load 'a': queueRequest is set by the batch"),
        (
            {"loads": [load("a")], "defaults": {"dependencies": []}},
            "dependencies is set by the batch",
        ),
        ({"loads": [load("a")], "defaults": {"source": "s3://b/x"}}, "defaults.source"),
        ({"loads": [load("a")], "continueOnFailure": "yes"}, "continueOnFailure must be"),
        ({"loads": [load("a", mode="FAST")], "defaults": {"format": "csv"}}, "load 'a': mode must"),
    ],
)
def test_each_problem_names_the_load_and_the_field(event: object, message: str) -> None:
    if isinstance(event, dict):
        event.setdefault("defaults", {"format": "csv"})
    with pytest.raises(InvalidInputError) as raised:
        validate(event)
    assert message in str(raised.value)


def test_at_most_max_loads() -> None:
    loads = [load(f"l{i}") for i in range(MAX_LOADS)]
    assert len(validate({"loads": loads, "defaults": {"format": "csv"}}).loads) == MAX_LOADS
    with pytest.raises(InvalidInputError, match=f"at most {MAX_LOADS} per batch"):
        validate({"loads": [*loads, load("one-more")], "defaults": {"format": "csv"}})


def test_input_size_is_bounded_so_the_state_fits() -> None:
    long = "s3://bucket/" + "k" * 1000
    loads = [{"name": f"l{i}", "source": long} for i in range(140)]
    assert len(json.dumps({"loads": loads})) > MAX_INPUT_BYTES
    with pytest.raises(InvalidInputError, match="bytes; at most"):
        validate({"loads": loads, "defaults": {"format": "csv"}})


def test_without_continue_on_failure_each_load_also_waits_for_the_one_before() -> None:
    event = {
        "loads": [load("a"), load("b"), load("c", dependsOn=["a"])],
        "defaults": {"format": "csv"},
    }
    chained = validate(event)
    assert [effective_dependencies(chained, i) for i in range(3)] == [(), (0,), (0, 1)]
    independent = validate({**event, "continueOnFailure": True})
    assert [effective_dependencies(independent, i) for i in range(3)] == [(), (), (0,)]


def test_cause_fits_step_functions_limit_for_200_failures() -> None:
    batch = validate(
        {"loads": [load(f"load-{i:03d}") for i in range(MAX_LOADS)], "defaults": {"format": "csv"}}
    )
    records = [
        {
            "id": "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d",
            "s": "LOAD_FAILED",
            "v": "FAILED",
            "r": "LOAD_FAILED",
            "x": "E" * 300,
        }
        for _ in batch.loads
    ]
    cause = failure_cause(batch, records)
    assert len(cause) <= MAX_CAUSE_CHARS
    parsed = json.loads(cause)
    assert parsed["rootFailures"]
    assert parsed["rootFailuresTruncated"] is True


def test_worst_case_running_state_fits_256_kib() -> None:
    """The largest input with 200 records as large as they get still fits the state limit."""
    worst_record = {
        "id": "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d",
        "s": "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED",
        "v": "FAILED",
        "r": "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED",
        "n": 10**12,
        "e": 10**12,
        "d": 10**9,
        "x": "E" * 300,
        "k": 10,
        "rt": False,
        "c": 10**6,
        "q": 10**4,
        "w": 3600,
        "m": {"finishedFeeds": 10**9, "seenAt": 10**9},
    }
    state = {
        "batch": {"loads": ["x" * (MAX_INPUT_BYTES - 20)]},
        "progress": {"loads": [worst_record] * MAX_LOADS, "cycles": 1000, "waited": 10.0**9},
        "outcome": "RUNNING",
        "wait": 3600,
    }
    assert len(json.dumps(state).encode()) < 256 * 1024


def test_error_tolerance_is_checked_kept_for_the_checks_and_never_sent() -> None:
    batch = validate(
        {
            "loads": [load("a"), load("b", errorTolerance={"maxRecordErrors": 5})],
            "defaults": {"format": "csv", "failOnError": False},
        }
    )
    assert batch.loads[0].tolerance is None
    assert batch.loads[1].tolerance is not None
    assert batch.loads[1].tolerance.max_record_errors == 5
    assert "errorTolerance" not in batch.loads[1].request
    with pytest.raises(InvalidInputError, match="load 'a': errorTolerance must be"):
        validate({"loads": [load("a", errorTolerance=3)], "defaults": {"format": "csv"}})
