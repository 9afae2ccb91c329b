"""Scripted faults, each observed exactly as a real boto3 neptunedata client sees it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from loadctl.emulator import Fault, ManualClock, NeptuneLoaderEmulator
from tests.emulator.emulator_helpers import SAMPLES, make_client, start_request


@pytest.fixture
def load_id(emulator: NeptuneLoaderEmulator) -> str:
    request = start_request()
    request["region"] = request.pop("s3BucketRegion")  # the HTTP API's key
    return emulator.start_load(request)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "TooManyRequestsException"),
        (500, "InternalFailureException"),
        (408, "ClientTimeoutException"),
        (403, "AccessDeniedException"),
    ],
)
def test_error_fault_surfaces_as_the_modeled_exception_once(
    client: Any, emulator: NeptuneLoaderEmulator, load_id: str, status: int, code: str
) -> None:
    # Given one scripted Neptune error
    emulator.add_fault(Fault.error(status=status, code=code, message="scripted"))

    # When the status is read twice
    with pytest.raises(getattr(client.exceptions, code)) as error:
        client.get_loader_job_status(loadId=load_id)
    second = client.get_loader_job_status(loadId=load_id)

    # Then the first call gets Neptune's error body, the second the real status
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["Error"]["Code"] == code
    assert response["detailedMessage"] == "scripted"
    assert response["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert second["payload"]["overallStatus"]["status"] == "LOAD_IN_PROGRESS"


def test_drop_closes_the_connection_without_a_response(
    client: Any, emulator: NeptuneLoaderEmulator, load_id: str
) -> None:
    emulator.add_fault(Fault.drop())
    with pytest.raises(ConnectionClosedError):
        client.get_loader_job_status(loadId=load_id)
    assert client.get_loader_job_status(loadId=load_id)["status"] == "200 OK"


def test_hang_outlasts_the_client_read_timeout(
    endpoint: str, emulator: NeptuneLoaderEmulator, load_id: str
) -> None:
    client = make_client(endpoint, read_timeout=0.3)
    emulator.add_fault(Fault.hang(seconds=30))
    began = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        client.get_loader_job_status(loadId=load_id)
    assert time.monotonic() - began < 5


def test_a_short_hang_only_delays_the_answer(
    client: Any, emulator: NeptuneLoaderEmulator, load_id: str
) -> None:
    emulator.add_fault(Fault.hang(seconds=0.3))
    began = time.monotonic()
    response = client.get_loader_job_status(loadId=load_id)
    assert time.monotonic() - began >= 0.3
    assert response["payload"]["overallStatus"]["status"] == "LOAD_IN_PROGRESS"


def test_the_server_shuts_down_promptly_while_a_request_hangs() -> None:
    emulator = NeptuneLoaderEmulator(data_root=SAMPLES, clock=ManualClock())
    outcome: list[BaseException] = []
    with emulator.serve() as endpoint:
        emulator.add_fault(Fault.hang(seconds=60))
        client = make_client(endpoint, read_timeout=30)

        def call() -> None:
            try:
                client.list_loader_jobs()
            except Exception as error:  # the test inspects it below
                outcome.append(error)

        caller = threading.Thread(target=call)
        caller.start()
        while not emulator.requests:
            time.sleep(0.01)
        began = time.monotonic()
    caller.join(timeout=10)
    assert time.monotonic() - began < 2
    assert len(outcome) == 1
    assert isinstance(outcome[0], ConnectionClosedError)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "text/html"),
        (b'{"status": "200 OK", "payl', "application/json"),  # truncated
    ],
)
def test_garbage_with_200_reaches_the_caller_as_an_empty_response(
    client: Any,
    emulator: NeptuneLoaderEmulator,
    load_id: str,
    body: bytes,
    content_type: str,
) -> None:
    emulator.add_fault(Fault.body(status=200, body=body, content_type=content_type))
    response = client.get_loader_job_status(loadId=load_id)
    # botocore does not raise: the parsed result simply has no payload
    assert "payload" not in response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_html_error_page_is_a_generic_client_error(
    client: Any, emulator: NeptuneLoaderEmulator, load_id: str
) -> None:
    emulator.add_fault(Fault.body(status=502, body=b"<html>Bad Gateway</html>"))
    with pytest.raises(ClientError) as error:
        client.get_loader_job_status(loadId=load_id)
    assert error.value.response["Error"]["Code"] == "502"


def test_faults_follow_method_and_path_filters_in_order_until_cleared(
    client: Any, emulator: NeptuneLoaderEmulator, load_id: str
) -> None:
    # Given a start-only fault, a forever fault on status calls, and one behind it
    emulator.add_fault(Fault.error(status=500, code="InternalFailureException", method="POST"))
    emulator.add_fault(Fault.error(times=None, path_prefix="/loader/"))
    emulator.add_fault(Fault.drop(path_prefix="/loader/"))

    # Then status calls keep getting the first matching fault, the list call gets none
    for _ in range(3):
        with pytest.raises(client.exceptions.TooManyRequestsException):
            client.get_loader_job_status(loadId=load_id)
    assert load_id in client.list_loader_jobs()["payload"]["loadIds"]
    with pytest.raises(client.exceptions.InternalFailureException):
        client.start_loader_job(**start_request(queueRequest=True))

    # When the faults are cleared, calls go through again
    emulator.clear_faults()
    assert client.get_loader_job_status(loadId=load_id)["status"] == "200 OK"
    assert [method for method, _ in emulator.requests] == ["GET"] * 4 + ["POST", "GET"]
    assert emulator.requests[0] == ("GET", f"/loader/{load_id}")


@pytest.fixture
def many_clients(endpoint: str) -> list[Any]:
    return [make_client(endpoint) for _ in range(4)]


def test_concurrent_clients_are_served(many_clients: list[Any], load_id: str) -> None:
    results: list[str] = []

    def poll(client: Any) -> None:
        for _ in range(5):
            results.append(client.get_loader_job_status(loadId=load_id)["status"])

    threads = [threading.Thread(target=poll, args=(c,)) for c in many_clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["200 OK"] * 20


@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalFailureException"), (408, "ClientTimeoutException")]
)
def test_a_start_accepted_then_answered_with_an_error_creates_the_load(
    client: Any, emulator: NeptuneLoaderEmulator, status: int, code: str
) -> None:
    # Given a start that takes effect but whose answer is an error
    emulator.add_fault(Fault.accepted_then_error(status, code, "scripted"))
    with pytest.raises(getattr(client.exceptions, code)):
        client.start_loader_job(**start_request())
    # Then the load exists all the same, listed and running from the requested source
    (load_id,) = client.list_loader_jobs()["payload"]["loadIds"]
    overall = client.get_loader_job_status(loadId=load_id)["payload"]["overallStatus"]
    assert overall["fullUri"] == start_request()["source"]
    assert overall["status"] == "LOAD_IN_PROGRESS"


def test_a_start_accepted_then_dropped_creates_the_load(
    client: Any, emulator: NeptuneLoaderEmulator
) -> None:
    emulator.add_fault(Fault.accepted_then_drop())
    with pytest.raises(ConnectionClosedError):
        client.start_loader_job(**start_request())
    assert len(client.list_loader_jobs()["payload"]["loadIds"]) == 1


def test_an_error_before_handling_creates_no_load(
    client: Any, emulator: NeptuneLoaderEmulator
) -> None:
    emulator.add_fault(Fault.error(500, "InternalFailureException", method="POST"))
    with pytest.raises(client.exceptions.InternalFailureException):
        client.start_loader_job(**start_request())
    assert client.list_loader_jobs()["payload"]["loadIds"] == []
