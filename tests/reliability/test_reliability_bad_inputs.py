"""Bad input to both Lambdas: each one raises `InvalidInputError` with a message naming the field,
and no request reaches Neptune (the emulator records every request it receives)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from reliability_support import LEDGER, Outcome

from loader_status import handler as status_module
from neptune_loader.exceptions import InvalidInputError
from tests.lambda_harness import FakeLambdaContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from loadctl.emulator import NeptuneLoaderEmulator

UUID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
OTHER = "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d"

# (label, event, the field the message must name)
STATUS_BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("event is a list", [UUID], "event"),
    ("event is a string", UUID, "event"),
    ("event is null", None, "event"),
    ("loadId missing", {}, "loadId"),
    ("loadId missing in payload", {"payload": {}}, "loadId"),
    ("loadId null", {"loadId": None}, "loadId"),
    ("loadId empty", {"loadId": ""}, "loadId"),
    ("loadId blank", {"loadId": "   "}, "loadId"),
    ("loadId number", {"loadId": 12345}, "loadId"),
    ("loadId bool", {"loadId": True}, "loadId"),
    ("loadId list", {"loadId": [UUID]}, "loadId"),
    ("loadId object", {"loadId": {"id": UUID}}, "loadId"),
    ("loadId not a UUID", {"loadId": "load-123"}, "loadId"),
    ("loadId UUID without dashes", {"loadId": UUID.replace("-", "")}, "loadId"),
    ("loadId UUID with braces", {"loadId": "{" + UUID + "}"}, "loadId"),
    ("loadId with a path", {"loadId": "../" + UUID}, "loadId"),
    ("loadId with a query", {"loadId": UUID + "?details=true"}, "loadId"),
    ("loadId with a newline", {"loadId": UUID + "\n"}, "loadId"),
    ("loadId oversize (1 MB)", {"loadId": "a" * 1_000_000}, "loadId"),
    ("loadId non-ASCII", {"loadId": "ef478d76-d9da-4d94-8ff1-08d9d4863aaé"}, "loadId"),
    ("Payload.loadId malformed", {"Payload": {"loadId": "x"}}, "loadId"),
    ("includeErrors string", {"loadId": UUID, "includeErrors": "true"}, "includeErrors"),
    ("includeErrors number", {"loadId": UUID, "includeErrors": 1}, "includeErrors"),
    ("page zero", {"loadId": UUID, "includeErrors": True, "page": 0}, "page"),
    ("page negative", {"loadId": UUID, "includeErrors": True, "page": -1}, "page"),
    ("page string", {"loadId": UUID, "includeErrors": True, "page": "2"}, "page"),
    ("page float", {"loadId": UUID, "includeErrors": True, "page": 1.5}, "page"),
    ("page bool", {"loadId": UUID, "includeErrors": True, "page": True}, "page"),
    ("page oversize", {"loadId": UUID, "includeErrors": True, "page": 10**12}, "page"),
    ("errorsPerPage 0", {"loadId": UUID, "includeErrors": True, "errorsPerPage": 0}, "errorsPerPage"),
    ("errorsPerPage 101", {"loadId": UUID, "includeErrors": True, "errorsPerPage": 101}, "errorsPerPage"),
    ("page without includeErrors", {"loadId": UUID, "page": 2}, "includeErrors"),
    ("checks negative", {"loadId": UUID, "checks": -1}, "checks"),
    ("consecutiveRetries string", {"loadId": UUID, "consecutiveRetries": "3"}, "consecutiveRetries"),
    ("consecutiveRetries oversize", {"loadId": UUID, "consecutiveRetries": 10**9}, "consecutiveRetries"),
]  # fmt: skip

GOOD = {"source": "s3://neptune-samples/good/", "format": "csv"}
ROLE = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"

START_BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("request is a list", [GOOD], "request"),
    ("request is a string", "s3://neptune-samples/good/", "request"),
    ("source missing", {"format": "csv"}, "source"),
    ("source empty", {**GOOD, "source": ""}, "source"),
    ("source number", {**GOOD, "source": 7}, "source"),
    ("source local path", {**GOOD, "source": "/data/good/"}, "source"),
    ("source file URI", {**GOOD, "source": "file:///etc/passwd"}, "source"),
    ("source http URL", {**GOOD, "source": "http://example.com/data.csv"}, "source"),
    ("source s3 without bucket", {**GOOD, "source": "s3://"}, "source"),
    ("source s3a scheme", {**GOOD, "source": "s3a://bucket/key"}, "source"),
    ("source bucket upper case", {**GOOD, "source": "s3://My_Bucket/key"}, "source"),
    # S3 keys may contain spaces (issue 11), never control characters
    ("source with a tab", {**GOOD, "source": "s3://bucket/a\tkey"}, "source"),
    ("source with a trailing newline", {**GOOD, "source": "s3://bucket/key\n"}, "source"),
    ("source oversize", {**GOOD, "source": "s3://bucket/" + "k" * 5_000}, "source"),
    ("format missing", {"source": GOOD["source"]}, "format"),
    ("format unknown", {**GOOD, "format": "parquet"}, "format"),
    ("format number", {**GOOD, "format": 1}, "format"),
    ("mode unknown", {**GOOD, "mode": "APPEND"}, "mode"),
    ("parallelism unknown", {**GOOD, "parallelism": "MAXIMUM"}, "parallelism"),
    ("parallelism number", {**GOOD, "parallelism": 8}, "parallelism"),
    ("failOnError yes", {**GOOD, "failOnError": "yes"}, "failOnError"),
    ("failOnError number", {**GOOD, "failOnError": 1}, "failOnError"),
    ("queueRequest null string", {**GOOD, "queueRequest": "null"}, "queueRequest"),
    ("updateSingleCardinalityProperties list", {**GOOD, "updateSingleCardinalityProperties": []}, "updateSingleCardinalityProperties"),
    ("userProvidedEdgeIds T", {**GOOD, "userProvidedEdgeIds": "T"}, "userProvidedEdgeIds"),
    ("edgeOnlyLoad object", {**GOOD, "edgeOnlyLoad": {}}, "edgeOnlyLoad"),
    ("dependencies not a list", {**GOOD, "queueRequest": True, "dependencies": OTHER}, "dependencies"),
    ("dependencies 65 loads", {**GOOD, "queueRequest": True, "dependencies": [OTHER] * 65}, "dependencies"),
    ("dependencies 10,000 loads", {**GOOD, "queueRequest": True, "dependencies": [OTHER] * 10_000}, "dependencies"),
    ("dependency not a UUID", {**GOOD, "queueRequest": True, "dependencies": ["load-1"]}, "dependencies[0]"),
    ("dependency with a trailing newline", {**GOOD, "queueRequest": True, "dependencies": [OTHER + "\n"]}, "dependencies[0]"),
    ("dependency number", {**GOOD, "queueRequest": True, "dependencies": [OTHER, 5]}, "dependencies[1]"),
    ("dependencies without queueRequest", {**GOOD, "dependencies": [OTHER]}, "dependencies"),
    ("iamRoleArn empty", {**GOOD, "iamRoleArn": ""}, "iamRoleArn"),
    ("iamRoleArn number", {**GOOD, "iamRoleArn": 123}, "iamRoleArn"),
    ("iamRoleArn a user", {**GOOD, "iamRoleArn": "arn:aws:iam::123456789012:user/bob"}, "iamRoleArn"),
    ("iamRoleArn short account", {**GOOD, "iamRoleArn": "arn:aws:iam::1234:role/R"}, "iamRoleArn"),
    ("iamRoleArn wildcard", {**GOOD, "iamRoleArn": "arn:aws:iam::123456789012:role/*"}, "iamRoleArn"),
    ("iamRoleArn other service", {**GOOD, "iamRoleArn": "arn:aws:s3:::bucket"}, "iamRoleArn"),
    ("iamRoleArn chain with a bad link", {**GOOD, "iamRoleArn": f"{ROLE},not-an-arn"}, "iamRoleArn"),
    ("region with a trailing newline", {**GOOD, "region": "us-east-1\n"}, "region"),
    ("region malformed", {**GOOD, "region": "US East"}, "region"),
    ("region number", {**GOOD, "region": 1}, "region"),
    ("parserConfiguration string", {**GOOD, "parserConfiguration": "x"}, "parserConfiguration"),
    ("parserConfiguration unknown key", {**GOOD, "parserConfiguration": {"delimiter": ";"}}, "parserConfiguration"),
    ("parserConfiguration nested", {**GOOD, "parserConfiguration": {"baseUri": {"a": 1}}}, "parserConfiguration"),
    ("unknown key", {**GOOD, "sourceBucket": "b"}, "sourceBucket"),
    ("snake_case key", {**GOOD, "iam_role_arn": ROLE}, "iam_role_arn"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "field"),
    [(event, field) for _, event, field in STATUS_BAD_INPUTS],
    ids=[label for label, _, _ in STATUS_BAD_INPUTS],
)
def test_status_lambda_rejects_bad_input_naming_the_field(
    emulator: NeptuneLoaderEmulator,
    invoke_status: Callable[..., Any],
    request: pytest.FixtureRequest,
    event: Any,
    field: str,
) -> None:
    outcome = LEDGER.add(Outcome("bad input: status Lambda", request.node.callspec.id, False))
    # When the status Lambda gets the bad event
    with pytest.raises(InvalidInputError) as raised:
        status_module.handler(event, FakeLambdaContext())  # type: ignore[arg-type]
    # Then the error names the field, is short, and nothing was sent to Neptune
    assert field in str(raised.value)
    assert len(str(raised.value)) < 1_000
    assert emulator.requests == []
    outcome.handled = True


@pytest.mark.parametrize(
    ("event", "field"),
    [(event, field) for _, event, field in START_BAD_INPUTS],
    ids=[label for label, _, _ in START_BAD_INPUTS],
)
def test_start_lambda_rejects_bad_input_naming_the_field(
    emulator: NeptuneLoaderEmulator,
    invoke_start: Callable[[Any], Any],
    request: pytest.FixtureRequest,
    event: Any,
    field: str,
) -> None:
    outcome = LEDGER.add(Outcome("bad input: start Lambda", request.node.callspec.id, False))
    with pytest.raises(InvalidInputError) as raised:
        invoke_start(event)
    assert field in str(raised.value)
    assert len(str(raised.value)) < 1_000
    assert emulator.requests == []
    outcome.handled = True


def test_a_good_request_does_reach_neptune(
    emulator: NeptuneLoaderEmulator, invoke_start: Callable[[Any], Any]
) -> None:
    # The counterpart that keeps the rejections honest: the same fixture does send good requests.
    result = invoke_start(
        {**GOOD, "queueRequest": "TRUE", "dependencies": [], "parallelism": "low"}
    )
    assert result["request"]["parallelism"] == "LOW"
    # The list of loads before the start (issue 11: to find its load if the answer is lost).
    assert [method for method, _ in emulator.requests] == ["GET", "POST"]
