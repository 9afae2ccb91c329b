"""Start-request validation and the raw HTTP forms Neptune accepts besides boto3's."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.emulator_helpers import GOOD_SOURCE, ROLE_ARN, make_client, start_request

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "s3://no-such-bucket/x"}, "S3 bucket not found for source"),
        (
            {"source": "s3://neptune-samples/nothing-here/"},
            "The source s3://neptune-samples/nothing-here/ does not exist/not reachable",
        ),
        ({"source": "ftp://neptune-samples/good/"}, "Invalid source"),
        ({"format": "xml"}, "Invalid format: 'xml'"),
        ({"mode": "SOMETIMES"}, "Invalid value 'SOMETIMES' for parameter 'mode'"),
        ({"parallelism": "EXTREME"}, "Invalid value 'EXTREME' for parameter 'parallelism'"),
        ({"iamRoleArn": "not-an-arn"}, "Couldn't find the AWS credential for iam_role_arn"),
        ({"dependencies": ["a"]}, "dependencies can only be used with queueRequest set to TRUE"),
        (
            {"dependencies": ["4a5b2c1d-0000-4000-8000-000000000000"], "queueRequest": True},
            "Dependency load id 4a5b2c1d-0000-4000-8000-000000000000 does not exist",
        ),
    ],
)
def test_invalid_start_requests_are_neptune_bad_requests(
    client: Any, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(client.exceptions.BadRequestException) as error:
        client.start_loader_job(**start_request(**overrides))
    assert message in error.value.response["detailedMessage"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _http(
    endpoint: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


RAW_START = {"source": GOOD_SOURCE, "format": "csv", "region": "us-east-1", "iamRoleArn": ROLE_ARN}


def test_raw_http_accepts_uppercase_string_booleans_and_the_query_forms(endpoint: str) -> None:
    # Given a start with Neptune's documented string booleans
    status, started = _http(
        endpoint, "POST", "/loader", {**RAW_START, "failOnError": "FALSE", "queueRequest": "TRUE"}
    )
    assert status == 200
    load_id = started["payload"]["loadId"]

    # Then the uppercase flags and the ?loadId= form both work
    status, document = _http(endpoint, "GET", f"/loader?loadId={load_id}&details=TRUE&errors=TRUE")
    assert status == 200
    assert document["status"] == "200 OK"
    assert {"overallStatus", "failedFeeds", "errors"} <= set(document["payload"])
    status, document = _http(endpoint, "GET", f"/loader/{load_id}?details=FALSE")
    assert "failedFeeds" not in document["payload"]


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/loader", {**RAW_START, "failOnError": "maybe"}, "parameter 'failOnError'"),
        ("POST", "/loader", {"format": "csv"}, "Missing required parameter: source"),
        ("GET", "/loader/some-id?details=maybe", None, "parameter 'details'"),
        ("GET", "/loader/some-id?errors=true&page=0", None, "parameter 'page'"),
        ("GET", "/loader?limit=0", None, "parameter 'limit'"),
        ("GET", "/loader?limit=101", None, "The limit must be between 1 and 100"),
    ],
)
def test_raw_http_rejects_bad_values(
    endpoint: str, method: str, path: str, body: dict[str, Any] | None, message: str
) -> None:
    status, document = _http(endpoint, method, path, body)
    assert status == 400
    assert document["code"] == "BadRequestException"
    assert message in document["detailedMessage"]
    assert document["requestId"]


def test_standalone_process_serves_until_interrupted() -> None:
    # Given the emulator started as a process on a free port, 100x faster than real time
    command = [sys.executable, "-m", "loadctl.emulator", "--port", "0", "--speed", "100"]
    process = subprocess.Popen(
        [*command, "--data-root", "samples"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().split()[4]
        client = make_client(endpoint)

        # When a load runs
        load_id = client.start_loader_job(**start_request())["payload"]["loadId"]
        deadline = time.monotonic() + 10
        state = ""
        while state != "LOAD_COMPLETED" and time.monotonic() < deadline:
            time.sleep(0.05)
            payload = client.get_loader_job_status(loadId=load_id)["payload"]
            state = payload["overallStatus"]["status"]

        # Then it completes in well under a second of real time, and Ctrl-C stops the process
        assert state == "LOAD_COMPLETED"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
