"""The source sampler within the check's deadline, on highly compressed sources and on sources
whose format only the load's request names; and the ``basis`` code with its ``basisDetail``."""

from __future__ import annotations

import gzip
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from loadctl.s3_standin import S3StandIn
from neptune_loader.estimate import parse_estimate
from neptune_loader.neptune_client import Deadline
from neptune_loader.settings import load_settings
from neptune_loader.source_sample import TIME_BUDGET_SECONDS, S3SourceSampler, count_sample
from neptune_loader.validation import parse_status_event
from neptune_loader.wiring import status_checker
from tests.lambda_harness import reset_handler_caches

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from loadctl.emulator import NeptuneLoaderEmulator

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
BIG = 1_000_000  # bytes of the slow endpoint's one object: large enough for a middle read
HEAD = b"~id,~label,name:String\n" + b"".join(b"p%d,person,abc\n" % n for n in range(6000))


class _SlowS3(BaseHTTPRequestHandler):
    """Lists one large CSV object and serves its head at once, but any other range (the middle
    read) one small chunk every 0.3 s: each socket read is within botocore's read timeout, so
    only a wall-clock limit ends it (the whole range would take about 15 s)."""

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        if "list-type=2" in self.path:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult '
                'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>slow</Name>'
                "<Prefix>load/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
                "<IsTruncated>false</IsTruncated><Contents><Key>load/big.csv</Key>"
                f"<Size>{BIG}</Size><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                '<ETag>"x"</ETag><StorageClass>STANDARD</StorageClass></Contents>'
                "</ListBucketResult>"
            ).encode()
            self._answer(200, body, {"Content-Type": "application/xml"})
            return
        start, end = (int(n) for n in self.headers["Range"].removeprefix("bytes=").split("-"))
        data = (HEAD * (BIG // len(HEAD) + 1))[start : end + 1]
        headers = {"Content-Range": f"bytes {start}-{end}/{BIG}"}
        if start == 0:
            self._answer(206, data, headers)
            return
        self.send_response(206)
        for name, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        chunk = len(data) // 50 + 1
        try:
            for offset in range(0, len(data), chunk):
                self.wfile.write(data[offset : offset + chunk])
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            return  # the client gave up

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def slow_s3() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowS3)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def s3() -> Iterator[S3StandIn]:
    with S3StandIn(SAMPLES) as standin:
        yield standin


def _running_load(emulator: NeptuneLoaderEmulator, source: str) -> str:
    return emulator.put_load(
        status="LOAD_IN_PROGRESS",
        overall={"fullUri": source, "totalTimeSpent": 100, "totalRecords": 500},
    )


def test_a_slow_s3_read_ends_within_the_sampling_budget_and_the_basis_says_why(
    emulator: NeptuneLoaderEmulator,
    slow_s3: str,
    monkeypatch: pytest.MonkeyPatch,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    # Given a source whose middle range trickles in (every socket read within the timeout)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", slow_s3)
    monkeypatch.setenv("SOURCE_ESTIMATES", "true")
    reset_handler_caches()
    load_id = _running_load(emulator, "s3://slow/load/")
    # When the status Lambda checks the running load
    started = time.monotonic()
    result = check_status(load_id, estimate={"basis": "FEEDS_ONLY"})
    took = time.monotonic() - started
    # Then it answers within the sampler's budget, without an estimate, and says why
    assert took < TIME_BUDGET_SECONDS + 1.0, took
    assert result["state"] == "IN_PROGRESS"
    assert result["estimate"]["basis"] == "SOURCE_UNREADABLE"
    assert result["estimate"]["basisDetail"] == "S3 answered too slowly"
    assert result["estimate"]["expectedRecords"] is None


def test_no_s3_call_starts_when_the_check_has_too_little_time_left(
    emulator: NeptuneLoaderEmulator, s3: S3StandIn, lambda_env: None
) -> None:
    # Given a check whose Neptune call left one second of the invocation's budget
    checker = status_checker(
        load_settings(os.environ), sampler=S3SourceSampler("us-east-1", client=s3.client())
    )
    load_id = _running_load(emulator, "s3://neptune-samples/good/")
    s3.clear_requests()
    request = parse_status_event({"loadId": load_id, "estimate": {"basis": "FEEDS_ONLY"}})
    # When it is checked
    result = checker.check(request, Deadline(seconds=1.0))
    # Then S3 is not read, and the source is left for the next check (still FEEDS_ONLY)
    assert sum(s3.requests.values()) == 0
    estimate = result["estimate"]
    assert estimate is not None
    assert estimate["basis"] == "FEEDS_ONLY"
    assert "time" in estimate.get("basisDetail", "")
    totals = parse_estimate(estimate)
    assert totals is not None
    assert not totals.attempted


def test_a_highly_compressed_gzip_source_is_not_under_counted(s3: S3StandIn) -> None:
    # Given a gzip CSV compressed about 39:1 (its 64 KiB head inflates far beyond 1 MiB)
    pad = "Lisbon Porto Reykjavik " * 4
    data = "\n".join(["~id,~label,note:String"] + [f"p{n},person,{pad}" for n in range(300_000)])
    raw = (data + "\n").encode()
    counted = count_sample("x.csv", raw, whole=True)
    assert not isinstance(counted, str)
    truth = counted[0]
    client = s3.client()
    client.create_bucket(Bucket="squeezed")
    client.put_object(Bucket="squeezed", Key="load/part.csv.gz", Body=gzip.compress(raw))
    # When the sampler estimates it
    totals = S3SourceSampler("us-east-1", client=client)("s3://squeezed/load/")
    # Then the expected records are within 3% of the truth
    assert totals.basis == "SOURCE_SAMPLE"
    assert totals.expected_records is not None
    assert abs(totals.expected_records - truth) / truth < 0.03, (totals.expected_records, truth)


NTRIPLES = b"".join(b"<http://x/s%d> <http://x/p> <http://x/o%d> .\n" % (n, n) for n in range(5))


def test_the_load_requests_format_names_a_line_format_without_its_extension(
    emulator: NeptuneLoaderEmulator,
    s3: S3StandIn,
    monkeypatch: pytest.MonkeyPatch,
    check_status: Callable[..., dict[str, Any]],
) -> None:
    # Given N-Triples in objects named without .nt
    client = s3.client()
    client.create_bucket(Bucket="triples")
    client.put_object(Bucket="triples", Key="data/part-0.txt", Body=NTRIPLES)
    client.put_object(Bucket="triples", Key="data/part-1", Body=NTRIPLES)
    for name, value in {**s3.environment(), "SOURCE_ESTIMATES": "true"}.items():
        monkeypatch.setenv(name, value)
    reset_handler_caches()
    load_id = _running_load(emulator, "s3://triples/data/")
    # When the loop checks the load it started with format ntriples
    request = {"source": "s3://triples/data/", "format": "ntriples", "region": "us-east-1"}
    result = check_status(load_id, loadRequest=request, estimate={"basis": "FEEDS_ONLY"})
    # Then the request's format decides: one record a statement
    assert result["estimate"]["basis"] == "SOURCE_SAMPLE"
    assert result["estimate"]["expectedRecords"] == 10
    # And without the request the extension still decides (not a CSV header: unreadable)
    fallback = S3SourceSampler("us-east-1", client=client)("s3://triples/data/")
    assert fallback.basis == "SOURCE_NOT_COUNTABLE"


def test_a_non_string_format_in_the_load_request_is_rejected(
    check_status: Callable[..., dict[str, Any]],
) -> None:
    from neptune_loader.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError, match="format"):
        check_status("ef478d76-d9da-4d94-8ff1-08d9d4863aa5", loadRequest={"format": 3})


def test_the_basis_detail_is_carried_from_check_to_check(
    emulator: NeptuneLoaderEmulator, check_status: Callable[..., dict[str, Any]]
) -> None:
    load_id = _running_load(emulator, "s3://x/y/")
    carried = {"basis": "SOURCE_UNREADABLE", "basisDetail": "S3 answered AccessDenied",
               "expectedRecords": None, "expectedFiles": None}  # fmt: skip
    result = check_status(load_id, estimate=carried)
    assert result["estimate"]["basis"] == "SOURCE_UNREADABLE"
    assert result["estimate"]["basisDetail"] == "S3 answered AccessDenied"
