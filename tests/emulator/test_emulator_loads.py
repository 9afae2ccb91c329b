"""Load lifecycles as a real boto3 neptunedata client sees them over HTTP."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from tests.emulator.emulator_helpers import (
    BROKEN_SOURCE,
    GOOD_SOURCE,
    RECORDS_PER_SECOND,
    SAMPLES,
    count_records,
    start_request,
)

GOOD_RECORDS = count_records(SAMPLES / "neptune-samples" / "good")
START = 1_700_000_000


def start(client: Any, source: str = GOOD_SOURCE, **extra: Any) -> str:
    response = client.start_loader_job(**start_request(source, **extra))
    assert response["status"] == "200 OK"
    return str(response["payload"]["loadId"])


def status(client: Any, load_id: str, **options: Any) -> dict[str, Any]:
    response = client.get_loader_job_status(loadId=load_id, **options)
    assert response["status"] == "200 OK"
    return dict(response["payload"])


def test_load_progresses_with_the_clock_and_completes_with_counts_from_the_files(
    client: Any, clock: ManualClock
) -> None:
    # Given a load of the clean sample
    load_id = start(client)

    # When time passes, Then the counters grow and the feeds move through their statuses
    first = status(client, load_id)
    assert first["overallStatus"]["status"] == "LOAD_IN_PROGRESS"
    assert first["overallStatus"]["totalRecords"] == 0
    assert first["feedCount"] == [{"LOAD_IN_PROGRESS": 1}, {"LOAD_NOT_STARTED": 2}]

    clock.advance(4)
    middle = status(client, load_id)["overallStatus"]
    assert middle["status"] == "LOAD_IN_PROGRESS"
    assert 0 < middle["totalRecords"] <= 4 * RECORDS_PER_SECOND
    assert middle["totalTimeSpent"] == 4

    clock.advance(GOOD_RECORDS / RECORDS_PER_SECOND)
    done = status(client, load_id, details=True)
    overall = done["overallStatus"]
    assert overall["status"] == "LOAD_COMPLETED"
    assert overall["totalRecords"] == GOOD_RECORDS
    assert overall["fullUri"] == GOOD_SOURCE
    assert overall["startTime"] == START
    assert overall["totalTimeSpent"] == math.ceil(GOOD_RECORDS / RECORDS_PER_SECOND)
    assert (overall["runNumber"], overall["retryNumber"]) == (1, 0)
    assert overall["parsingErrors"] + overall["insertErrors"] + overall["totalDuplicates"] == 0
    assert done["feedCount"] == [{"LOAD_COMPLETED": 3}]
    assert done["failedFeeds"] == []


def test_broken_sample_without_fail_on_error_fails_its_files_and_pages_every_error(
    client: Any, clock: ManualClock
) -> None:
    # Given the broken sample loaded with failOnError FALSE
    load_id = start(client, BROKEN_SOURCE, failOnError=False)
    clock.advance(60)

    # When the status is read with errors, page by page
    first = status(client, load_id, errors=True, errorsPerPage=4)
    second = status(client, load_id, errors=True, errorsPerPage=4, page=2)
    detailed = status(client, load_id, details=True)

    # Then every file ran to its end, the files with bad records failed and the load with them
    # (published response, aws-samples/amazon-neptune-samples#120), with Neptune's counters, and
    # every error is listed once
    overall = first["overallStatus"]
    assert overall["status"] == "LOAD_FAILED"
    assert (overall["parsingErrors"], overall["datatypeMismatchErrors"]) == (2, 3)
    assert overall["insertErrors"] == 1
    assert "failedFeeds" not in first
    feed_count = {k: v for item in first["feedCount"] for k, v in item.items()}
    assert feed_count.get("LOAD_FAILED", 0) >= 1
    assert set(feed_count) <= {"LOAD_COMPLETED", "LOAD_FAILED"}
    failed_uris = {feed["fullUri"] for feed in detailed["failedFeeds"]}
    assert {feed["status"] for feed in detailed["failedFeeds"]} == {"LOAD_FAILED"}
    assert BROKEN_SOURCE + "edges.csv" in failed_uris
    assert all(
        feed["parsingErrors"] + feed["datatypeMismatchErrors"] + feed["insertErrors"] > 0
        for feed in detailed["failedFeeds"]
    )
    # the docs' examples write a finished load's time as 3.0: a JSON number with a fraction
    assert isinstance(overall["totalTimeSpent"], float)
    assert (first["errors"]["startIndex"], first["errors"]["endIndex"]) == (1, 4)
    assert (second["errors"]["startIndex"], second["errors"]["endIndex"]) == (5, 6)
    assert first["errors"]["loadId"] == load_id
    logs = first["errors"]["errorLogs"] + second["errors"]["errorLogs"]
    assert [log["errorCode"] for log in logs].count("PARSING_ERROR") == 5
    missing = [log for log in logs if log["errorCode"] == "FROM_OR_TO_VERTEX_ARE_MISSING"]
    assert len(missing) == 1
    assert "v99" in missing[0]["errorMessage"]
    assert missing[0]["fileName"] == BROKEN_SOURCE + "edges.csv"
    assert {log["recordNum"] for log in logs if "vertices" in log["fileName"]} == {4, 5, 6, 8}


def test_fail_on_error_stops_the_load_at_the_first_bad_line(
    client: Any, clock: ManualClock
) -> None:
    load_id = start(client, BROKEN_SOURCE)
    clock.advance(60)

    payload = status(client, load_id, details=True, errors=True)

    assert payload["overallStatus"]["status"] == "LOAD_FAILED"
    assert payload["overallStatus"]["datatypeMismatchErrors"] == 1
    assert payload["overallStatus"]["insertErrors"] == 0
    assert payload["feedCount"] == [{"LOAD_FAILED": 1}, {"LOAD_CANCELLED_DUE_TO_ERRORS": 1}]
    failed = {feed["fullUri"]: feed["status"] for feed in payload["failedFeeds"]}
    assert failed[BROKEN_SOURCE + "vertices.csv"] == "LOAD_FAILED"
    assert [log["recordNum"] for log in payload["errors"]["errorLogs"]] == [4]


def test_queued_loads_wait_without_feed_count_and_start_in_fifo_order(
    client: Any, clock: ManualClock
) -> None:
    # Given one running load and two queued behind it
    first = start(client)
    second = start(client, queueRequest=True)
    third = start(client, queueRequest=True)

    # Then the queued ones report LOAD_IN_QUEUE without feedCount, and are listed first
    queued = status(client, second)
    assert queued["overallStatus"]["status"] == "LOAD_IN_QUEUE"
    assert "feedCount" not in queued
    assert client.list_loader_jobs()["payload"]["loadIds"] == [third, second, first]
    assert client.list_loader_jobs(includeQueuedLoads=False)["payload"]["loadIds"] == [first]
    assert client.list_loader_jobs(limit=1)["payload"]["loadIds"] == [third]

    # When the first load ends, the second starts right then and the third still waits
    clock.advance(GOOD_RECORDS / RECORDS_PER_SECOND + 1)
    assert status(client, first)["overallStatus"]["status"] == "LOAD_COMPLETED"
    running = status(client, second)["overallStatus"]
    assert running["status"] == "LOAD_IN_PROGRESS"
    assert running["startTime"] == int(START + GOOD_RECORDS / RECORDS_PER_SECOND)
    assert status(client, third)["overallStatus"]["status"] == "LOAD_IN_QUEUE"


def test_one_running_load_and_at_most_64_queued(client: Any) -> None:
    start(client)
    with pytest.raises(client.exceptions.BadRequestException) as concurrent:
        start(client)
    assert concurrent.value.response["detailedMessage"].endswith(
        "Max concurrent load limit breached. Limit is 1"
    )
    assert concurrent.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    for _ in range(64):
        start(client, queueRequest=True)
    with pytest.raises(client.exceptions.BadRequestException) as queue_full:
        start(client, queueRequest=True)
    assert (
        "Max load task queue size limit breached. Limit is 64"
        in (queue_full.value.response["detailedMessage"])
    )


def test_a_failed_dependency_fails_its_dependents_in_cascade(
    client: Any, clock: ManualClock
) -> None:
    # Given a failing load, a chain depending on it and an independent load
    failing = start(client, BROKEN_SOURCE)
    child = start(client, queueRequest=True, dependencies=[failing])
    grandchild = start(client, queueRequest=True, dependencies=[child])
    independent = start(client, queueRequest=True)

    # When the failing load ends
    clock.advance(60)

    # Then the chain fails without running and the independent load runs
    assert status(client, failing)["overallStatus"]["status"] == "LOAD_FAILED"
    for dependent in (child, grandchild):
        payload = status(client, dependent)
        assert payload["overallStatus"]["status"] == (
            "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED"
        )
        assert payload["overallStatus"]["totalRecords"] == 0
    assert status(client, independent)["overallStatus"]["status"] == "LOAD_COMPLETED"


def test_a_satisfied_dependency_lets_the_dependent_run(client: Any, clock: ManualClock) -> None:
    parent = start(client)
    child = start(
        client, BROKEN_SOURCE, queueRequest=True, dependencies=[parent], failOnError=False
    )
    clock.advance(60)
    # It ran (its bad records, skipped with failOnError FALSE, fail its files: see load_plan).
    ran = status(client, child)["overallStatus"]
    assert (ran["status"], ran["totalRecords"] > 0) == ("LOAD_FAILED", True)


def test_cancel_stops_a_running_load_and_frees_the_slot(client: Any, clock: ManualClock) -> None:
    # Given a running load with a queued one behind it
    running = start(client)
    queued = start(client, queueRequest=True)
    clock.advance(2)

    # When the running one is cancelled
    client.cancel_loader_job(loadId=running)
    clock.advance(100)

    # Then it keeps the counters it had, and the queued load ran
    cancelled = status(client, running)
    assert cancelled["overallStatus"]["status"] == "LOAD_CANCELLED_BY_USER"
    assert cancelled["overallStatus"]["totalRecords"] <= 2 * RECORDS_PER_SECOND
    assert cancelled["feedCount"] == [{"LOAD_CANCELLED_BY_USER": 3}]  # still on the first file
    assert status(client, queued)["overallStatus"]["status"] == "LOAD_COMPLETED"

    # And cancelling it again, or cancelling an unknown id, is Neptune's 404
    for load_id in (running, "4a5b2c1d-0000-4000-8000-000000000000"):
        with pytest.raises(client.exceptions.BulkLoadIdNotFoundException) as error:
            client.cancel_loader_job(loadId=load_id)
        assert error.value.response["detailedMessage"] == (
            f"The load with id = {load_id} does not exist or not active"
        )


def test_cancel_of_a_queued_load(client: Any) -> None:
    start(client)
    queued = start(client, queueRequest=True)
    client.cancel_loader_job(loadId=queued)
    assert status(client, queued)["overallStatus"]["status"] == "LOAD_CANCELLED_BY_USER"


def test_only_the_1024_most_recent_loads_are_tracked(
    client: Any, emulator: NeptuneLoaderEmulator, clock: ManualClock
) -> None:
    # Given a real load followed by 1,024 newer ones
    oldest = start(client)
    clock.advance(60)
    newer = [emulator.put_load(status="LOAD_COMPLETED") for _ in range(1_024)]

    # Then the oldest answers not-found (404 by default, 400 in the other style)
    with pytest.raises(client.exceptions.BulkLoadIdNotFoundException):
        client.get_loader_job_status(loadId=oldest)
    emulator.not_found_style = "400"
    with pytest.raises(client.exceptions.BadRequestException):
        client.get_loader_job_status(loadId=oldest)
    assert status(client, newer[0])["overallStatus"]["status"] == "LOAD_COMPLETED"
    assert len(client.list_loader_jobs()["payload"]["loadIds"]) == 100


def test_put_load_serves_any_status_with_paged_error_logs(
    client: Any, emulator: NeptuneLoaderEmulator
) -> None:
    logs = [
        {
            "errorCode": "PARSING_ERROR",
            "errorMessage": f"bad {n}",
            "fileName": "s3://b/k",
            "recordNum": n,
        }
        for n in range(1, 26)
    ]
    load_id = emulator.put_load(
        status="LOAD_SOMETHING_NEW",
        overall={"totalRecords": 7, "parsingErrors": 25},
        failed_feeds=[{"fullUri": "s3://b/k", "status": "LOAD_FAILED"}],
        error_logs=logs,
    )

    payload = status(client, load_id, details=True, errors=True, page=3, errorsPerPage=10)

    assert payload["overallStatus"]["status"] == "LOAD_SOMETHING_NEW"
    assert payload["overallStatus"]["totalRecords"] == 7
    assert payload["overallStatus"]["insertErrors"] == 0  # a default kept under the merge
    assert payload["feedCount"] == [{"LOAD_SOMETHING_NEW": 1}]
    assert payload["failedFeeds"] == [{"fullUri": "s3://b/k", "status": "LOAD_FAILED"}]
    assert (payload["errors"]["startIndex"], payload["errors"]["endIndex"]) == (21, 25)
    assert [log["recordNum"] for log in payload["errors"]["errorLogs"]] == list(range(21, 26))
    queued = emulator.put_load("my-queued-load", status="LOAD_IN_QUEUE")
    assert "feedCount" not in status(client, queued)


def test_fail_next_load_then_resume_loads_only_the_failed_file(
    client: Any, emulator: NeptuneLoaderEmulator, clock: ManualClock
) -> None:
    # Given a load that hits an S3 read error on its last feed
    emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
    failed = start(client)
    clock.advance(60)
    payload = status(client, failed, details=True, errors=True)
    assert payload["overallStatus"]["status"] == "LOAD_FAILED"
    assert payload["feedCount"] == [{"LOAD_COMPLETED": 2}, {"LOAD_S3_READ_ERROR": 1}]
    assert [f["status"] for f in payload["failedFeeds"]] == ["LOAD_S3_READ_ERROR"]
    assert "Data prefetch task interrupted" in payload["errors"]["errorLogs"][-1]["errorMessage"]

    # When the load is resubmitted with mode RESUME
    resumed = start(client, mode="RESUME")
    clock.advance(60)

    # Then only the edge file is loaded again, its vertices are found, and it succeeds
    overall = status(client, resumed)["overallStatus"]
    assert overall["status"] == "LOAD_COMPLETED"
    assert overall["runNumber"] == 2
    edges = (
        count_records(SAMPLES / "neptune-samples" / "good")
        - payload["overallStatus"]["totalRecords"]
    )
    assert overall["totalRecords"] == edges
    assert (overall["insertErrors"], overall["totalDuplicates"]) == (0, 0)


def test_resume_without_a_previous_load_is_an_invalid_request(
    client: Any, clock: ManualClock
) -> None:
    load_id = start(client, mode="RESUME")
    assert status(client, load_id)["overallStatus"]["status"] == "LOAD_FAILED_INVALID_REQUEST"


def test_a_stalled_load_stays_in_progress(
    client: Any, emulator: NeptuneLoaderEmulator, clock: ManualClock
) -> None:
    load_id = start(client)
    emulator.stall(load_id)
    clock.advance(86_400)
    assert status(client, load_id)["overallStatus"]["status"] == "LOAD_IN_PROGRESS"
    with pytest.raises(client.exceptions.BadRequestException):
        start(client)


def test_only_the_last_10000_error_details_are_kept(tmp_path: Path) -> None:
    # Given a bucket folder with one file of 10,005 lines that do not parse
    bucket = tmp_path / "big-bucket" / "data"
    bucket.mkdir(parents=True)
    bad_lines = "".join(f"v{n},person,{n}\n" for n in range(10_005))
    (bucket / "vertices.csv").write_text("~id,~label\n" + bad_lines)
    clock = ManualClock()
    emulator = NeptuneLoaderEmulator(data_root=tmp_path, clock=clock, records_per_second=1e6)
    request = {**start_request("s3://big-bucket/data"), "failOnError": "FALSE"}
    request["region"] = request.pop("s3BucketRegion")
    load_id = emulator.start_load(request)
    clock.advance(60)

    # When the last pages of errors are read
    last = emulator.status(load_id, errors=True, page=1_000, errors_per_page=10)
    beyond = emulator.status(load_id, errors=True, page=1_001, errors_per_page=10)
    first = emulator.status(load_id, errors=True)

    # Then every error is counted, but only the newest 10,000 details are listed
    assert last["overallStatus"]["parsingErrors"] == 10_005
    assert last["errors"]["endIndex"] == 10_000
    assert beyond["errors"]["errorLogs"] == []
    assert first["errors"]["errorLogs"][0]["recordNum"] == 7  # lines 2..6 were dropped
