"""The package's contract constants agree with the code that emits them and with docs/contract.md.

Every ``reason``, ``state`` and Fail ``Error`` the package exports is documented, and every one the
document lists is exported: a new reason cannot ship undocumented, nor a documented one be dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from botocore.parsers import ResponseParserError

import infrastructure
from infrastructure import contract
from infrastructure.lambda_code import lambda_statuses
from neptune_loader import api_errors, statuses

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def section(heading: str) -> str:
    """The text of ``docs/contract.md`` under ``heading``, up to the next heading of its level or
    higher."""
    level = len(heading.split(" ", 1)[0])
    text = CONTRACT.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1]
    return re.split(rf"\n#{{1,{level}}} ", text, maxsplit=1)[0]


def first_column(text: str, header: str = "") -> list[str]:
    """The names in the first cell of table body rows, where that cell holds only backticked
    names (``| `A`, `B` | ...``); with ``header``, only in tables whose header row starts so."""
    names: list[str] = []
    in_table = False
    lines = text.splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if following.startswith("|---"):  # a header row
            in_table = line.startswith(f"| {header}")
        elif in_table and line.startswith("|") and not line.startswith("|---"):
            cell = line.split("|")[1].strip()
            if re.fullmatch(r"`\w+`(, `\w+`)*", cell):
                names += re.findall(r"`(\w+)`", cell)
    return names


def test_every_reason_is_documented_and_every_documented_reason_exists() -> None:
    text = section("### `reason`")
    documented = first_column(text, header="reason |")
    assert len(documented) == len(set(documented))
    assert set(documented) <= set(contract.REASONS)
    # Every constant is named in the section (a few only in the error-code table's second column).
    assert not [reason for reason in contract.REASONS if f"`{reason}`" not in text]


def test_every_state_is_documented_and_every_documented_state_exists() -> None:
    assert first_column(section("### `state`")) == list(contract.STATES)


def test_every_fail_error_is_documented_and_every_documented_error_exists() -> None:
    failure_table = section("## State machine").split("**Failure:**", 1)[1]
    assert set(first_column(failure_table)) == set(contract.FAIL_ERRORS)


def test_every_batch_fail_error_is_documented_and_every_documented_error_exists() -> None:
    failure_table = section("## Batch state machine").split("**Failure:**", 1)[1]
    assert set(first_column(failure_table)) == set(contract.BATCH_FAIL_ERRORS)


def test_the_constants_come_from_the_code_that_emits_them() -> None:
    # States and status reasons: the Lambda's status table, loaded by path under a private name.
    assert list(contract.STATES) == [state.value for state in statuses.State]
    assert set(statuses.STATUS_TABLE) < set(contract.NEPTUNE_STATUS_REASONS)
    assert contract.State.__module__.endswith("._lambda.neptune_loader.statuses")
    # The fixed reasons of a failed status call: declared once beside the status table (stdlib
    # only, so the package reads them by path) and emitted by the errors module.
    assert contract.CALL_FAILURE_REASONS is lambda_statuses.CALL_FAILURE_REASONS
    assert contract.CALL_FAILURE_REASONS == statuses.CALL_FAILURE_REASONS
    not_found = ClientError(
        {"Error": {"Code": "BulkLoadIdNotFoundException"}}, "GetLoaderJobStatus"
    )
    assert api_errors.classify_api_error(not_found).reason == contract.LOAD_ID_NOT_FOUND
    assert api_errors.UNREADABLE_STATUS.reason == contract.UNREADABLE_RESPONSE
    assert (
        api_errors.classify_api_error(ResponseParserError("not json")).reason
        == contract.UNREADABLE_RESPONSE
    )
    assert (
        api_errors.classify_api_error(EndpointConnectionError(endpoint_url="https://x")).reason
        == contract.CONNECTION_ERROR
    )
    assert api_errors.classify_api_error(NoCredentialsError()).reason == contract.NO_CREDENTIALS
    assert api_errors.classify_api_error(NoRegionError()).reason == contract.REQUEST_NOT_SENT
    for status, reason in ((403, contract.ACCESS_DENIED), (None, contract.UNKNOWN_API_ERROR)):
        answer = {"Error": {}, "ResponseMetadata": {"HTTPStatusCode": status}}
        error = ClientError(answer, "GetLoaderJobStatus")  # type: ignore[arg-type]
        assert api_errors.classify_api_error(error).reason == reason


def test_the_package_exports_the_constants_at_its_top_level() -> None:
    assert infrastructure.FAIL_ERRORS == contract.FAIL_ERRORS
    assert infrastructure.BATCH_FAIL_ERRORS == contract.BATCH_FAIL_ERRORS
    assert infrastructure.STATES == contract.STATES
    assert infrastructure.REASONS == contract.REASONS
    assert set(infrastructure.__all__) >= {
        "FAIL_ERRORS",
        "BATCH_FAIL_ERRORS",
        "STATES",
        "REASONS",
        "State",
    }
