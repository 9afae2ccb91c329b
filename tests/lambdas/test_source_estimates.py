"""Source estimates end to end: the status Lambda reads the load's source from an S3 stand-in
(moto's S3 over HTTP, reached through ``AWS_ENDPOINT_URL_S3``), counts records as Neptune and the
emulator do, emits ``estimate`` with percent and time left, and reads S3 once per load."""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.emulator.gremlin_csv import parse_gremlin_csv
from loadctl.s3_standin import S3StandIn
from neptune_loader.estimate import SourceTotals, build_estimate
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.source_sample import S3SourceSampler, count_sample, split_source
from neptune_loader.statuses import State
from tests.lambda_harness import reset_handler_caches

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from loadctl.emulator import NeptuneLoaderEmulator

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GOOD = SAMPLES / "neptune-samples" / "good"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3StandIn]:
    with S3StandIn(SAMPLES) as standin:
        yield standin


@pytest.fixture
def estimates_on(monkeypatch: pytest.MonkeyPatch, s3: S3StandIn, lambda_env: None) -> S3StandIn:
    for name, value in {**s3.environment(), "SOURCE_ESTIMATES": "true"}.items():
        monkeypatch.setenv(name, value)
    reset_handler_caches()
    s3.clear_requests()
    return s3


def _emulator_records(folder: Path) -> int:
    return sum(
        line.records for path in folder.glob("*.csv") for line in parse_gremlin_csv(path).lines
    )


def _rows(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["~id,~label,name:String,age:Int,city:String"]
    for n in range(count):
        age = str(rng.randint(1, 99)) if rng.random() < 0.7 else ""
        city = rng.choice(["", "Lisbon", "Porto", "Reykjavik"])
        lines.append(f"p{n},person,{'x' * rng.randint(3, 12)},{age},{city}")
    return ("\n".join(lines) + "\n").encode()


def _true_records(data: bytes) -> int:
    counted = count_sample("x.csv", data, whole=True)
    assert not isinstance(counted, str)
    return counted[0]


def test_csv_records_are_counted_as_the_emulator_counts_them() -> None:
    # Neptune counts id + label as one record and each non-empty property as one more
    # (docs/reference/neptune-loader-api.md §1.2); the emulator's reader does the same.
    for path in GOOD.glob("*.csv"):
        counted = count_sample(path.name, path.read_bytes(), whole=True)
        assert not isinstance(counted, str)
        assert counted[0] == sum(line.records for line in parse_gremlin_csv(path).lines)


def test_sources_are_split_as_the_loader_accepts_them() -> None:
    assert split_source("s3://bucket/a/b") == ("bucket", "a/b")
    assert split_source("https://s3.us-east-1.amazonaws.com/bucket/a") == ("bucket", "a")
    assert split_source("https://example.com/bucket/a") is None


def test_small_objects_are_counted_exactly_through_the_standard_endpoint_variable(
    estimates_on: S3StandIn,
) -> None:
    # No endpoint is passed: botocore reads AWS_ENDPOINT_URL_S3 and reaches the stand-in
    totals = S3SourceSampler("us-east-1")("s3://neptune-samples/good/")
    assert totals.basis == "SOURCE_SAMPLE"
    assert totals.expected_files == 3
    assert totals.expected_records == _emulator_records(GOOD)
    assert estimates_on.count("GET", "/neptune-samples") >= 1


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_large_objects_are_estimated_from_their_heads(s3: S3StandIn, compress: bool) -> None:
    # Given four files of unequal size, far larger than the sample read from each head
    client = s3.client()
    client.create_bucket(Bucket=f"big-{compress}")
    truth = 0
    for index, rows in enumerate((40_000, 15_000, 9_000, 3_000)):
        data = _rows(rows, seed=index)
        truth += _true_records(data)
        key = f"load/part-{index}.csv" + (".gz" if compress else "")
        client.put_object(
            Bucket=f"big-{compress}", Key=key, Body=gzip.compress(data) if compress else data
        )
    # When the sampler estimates the source
    totals = S3SourceSampler("us-east-1", client=client)(f"s3://big-{compress}/load/")
    # Then the estimate is within 3% of the records Neptune would count
    assert totals.expected_files == 4
    assert totals.expected_records is not None
    assert abs(totals.expected_records - truth) / truth < 0.03


@pytest.mark.parametrize(
    ("uri", "basis", "why"),
    [
        ("s3://no-such-bucket/x/", "SOURCE_UNREADABLE", "S3 answered NoSuchBucket"),
        ("s3://neptune-samples/nothing-here/", "SOURCE_UNREADABLE", "no object under the source"),
        ("s3://rdf/data/", "SOURCE_NOT_COUNTABLE", "data/graph.ttl: not a line-based format"),
        ("file:///tmp/x", "SOURCE_UNREADABLE", "the source is not an S3 URI"),
    ],
)
def test_unreadable_sources_say_why(s3: S3StandIn, uri: str, basis: str, why: str) -> None:
    client = s3.client()
    client.create_bucket(Bucket="rdf")
    client.put_object(Bucket="rdf", Key="data/graph.ttl", Body=b"@prefix : <http://x/> .\n")
    totals = S3SourceSampler("us-east-1", client=client)(uri)
    # One code a program can match, and the reason in words beside it
    assert (totals.basis, totals.detail) == (basis, why)
    assert build_estimate(
        totals, State.IN_PROGRESS, records=0, elapsed=1.0, feed_count={}
    ) == {
        "expectedRecords": None, "expectedFiles": None, "percent": None, "etaSeconds": None,
        "basis": basis, "basisDetail": why,
    }  # fmt: skip


def test_the_lambda_reads_the_source_once_per_load_and_reports_percent_and_time_left(
    emulator: NeptuneLoaderEmulator,
    estimates_on: S3StandIn,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    # Given a load of the sample files, started and running (10 records per emulated second)
    load_id = emulator.start_load(
        {"source": "s3://neptune-samples/good/", "format": "csv", "region": "us-east-1",
         "iamRoleArn": "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"}
    )  # fmt: skip
    expected = _emulator_records(GOOD)
    estimate: Any = {"basis": "FEEDS_ONLY"}  # what StartPolling sends
    seen = []
    for _ in range(200):
        emulator.clock.advance(5)
        result = check_status(load_id, estimate=estimate)
        estimate = result["estimate"]  # what CountCheck carries to the next check
        seen.append(result)
        if result["terminal"]:
            break
    # Then S3 was listed once and each sampled object read once, whatever the number of checks
    assert len(seen) > 3
    assert estimates_on.count("GET", "/neptune-samples") == 1 + 3
    running = [r for r in seen if r["state"] == "IN_PROGRESS" and r["progress"]["totalRecords"]]
    assert running, "some check saw the load running"
    for result in running:
        assert result["estimate"]["expectedRecords"] == expected
        assert result["estimate"]["basis"] == "SOURCE_SAMPLE"
        assert 0 <= result["estimate"]["percent"] <= 99
        assert "% done" in result["message"]
    assert seen[-1]["state"] == "SUCCEEDED"
    assert seen[-1]["estimate"]["percent"] == 100


def test_without_estimates_the_source_is_not_read_and_the_basis_says_so(
    emulator: NeptuneLoaderEmulator, s3: S3StandIn, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(
        status="LOAD_IN_PROGRESS",
        overall={"totalTimeSpent": 100, "totalRecords": 500},
        feed_count=[{"LOAD_COMPLETED": 1}, {"LOAD_IN_PROGRESS": 1}],
    )
    s3.clear_requests()
    result = check_status(load_id)
    assert sum(s3.requests.values()) == 0
    # Two files, one finished: half done by files, about as long again to go
    assert result["estimate"] == {
        "expectedRecords": None, "expectedFiles": None, "percent": 50, "etaSeconds": 100,
        "basis": "FEEDS_ONLY",
    }  # fmt: skip


def test_a_failed_load_is_never_shown_complete(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = emulator.put_load(
        status="LOAD_FAILED",
        overall={"totalTimeSpent": 100, "totalRecords": 5000},
        feed_count=[{"LOAD_FAILED": 1}],
    )
    carried = {"expectedRecords": 1000, "expectedFiles": 1, "basis": "SOURCE_SAMPLE"}
    result = check_status(load_id, estimate=carried)
    assert result["estimate"]["percent"] == 99
    assert result["estimate"]["etaSeconds"] is None


@pytest.mark.parametrize(
    "estimate",
    [
        "SOURCE_SAMPLE",
        {"expectedRecords": 10},
        {"basis": "SOURCE_SAMPLE", "expectedRecords": -1},
        {"basis": "SOURCE_SAMPLE", "expectedRecords": True},
        {"basis": "SOURCE_SAMPLE", "surprise": 1},
        {"basis": ""},
    ],
)
def test_a_malformed_estimate_is_rejected_before_any_call(
    check_status: Callable[..., dict[str, Any]], estimate: Any
) -> None:
    with pytest.raises(InvalidInputError, match="estimate"):
        check_status("ef478d76-d9da-4d94-8ff1-08d9d4863aa5", estimate=estimate)


def test_no_s3_client_on_a_check_that_carries_its_estimate(
    emulator: NeptuneLoaderEmulator, estimates_on: S3StandIn, lambda_context: Any
) -> None:
    from loader_status import handler as status_module

    load_id = emulator.put_load(
        status="LOAD_IN_PROGRESS", overall={"totalTimeSpent": 100, "totalRecords": 500}
    )
    carried = {"expectedRecords": 1000, "expectedFiles": 1, "basis": "SOURCE_SAMPLE"}
    result = status_module.handler({"loadId": load_id, "estimate": carried}, lambda_context)
    # Half the records in 100 s: about 100 s left, and the message says so
    assert result["estimate"]["percent"] == 50
    assert result["estimate"]["etaSeconds"] == 100
    assert "(about 50% done, about 2 minutes left)" in result["message"]
    sampler = status_module._checker().sampler
    assert sampler is not None
    assert sampler._client is None  # type: ignore[attr-defined]
    assert sum(estimates_on.requests.values()) == 0


def test_estimates_off_import_nothing_of_s3(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.path.insert(0, 'lambdas')\n"
        "from neptune_loader.settings import load_settings\n"
        "from neptune_loader.wiring import status_checker\n"
        "status_checker(load_settings({'NEPTUNE_ENDPOINT': 'http://x:8182', 'AWS_REGION': 'r'}))\n"
        "print('neptune_loader.source_sample' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("expected_records", [None, 10])
def test_a_time_left_too_large_to_count_is_unknown(expected_records: int | None) -> None:
    # Found by the reliability properties: Neptune's totalTimeSpent is any JSON number, and one
    # near the float limit made the time left infinite, which round() cannot turn into seconds.
    totals = SourceTotals(expected_records=expected_records, expected_files=None, basis="X")
    estimate = build_estimate(
        totals,
        State.IN_PROGRESS,
        records=1,
        elapsed=3.5953862697246315e307,
        feed_count={"LOAD_COMPLETED": 1, "LOAD_IN_PROGRESS": 5},
    )
    assert estimate["etaSeconds"] is None
