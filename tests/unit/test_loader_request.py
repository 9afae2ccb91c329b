"""Start Lambda input: loader requests are validated field by field before anything is sent."""

from __future__ import annotations

import pytest

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.loader_request import to_boto3_kwargs, validate_loader_request

ROLE = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"
DEP = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"


def validate(request: object, role: str | None = ROLE) -> dict[str, object]:
    return validate_loader_request(request, default_role_arn=role, default_region="us-east-1")


def test_minimal_request_gets_documented_defaults() -> None:
    sent = validate({"source": "s3://bucket/data/", "format": "csv"})
    assert sent == {
        "source": "s3://bucket/data/",
        "format": "csv",
        "iamRoleArn": ROLE,
        "region": "us-east-1",
        "mode": "AUTO",
    }
    assert to_boto3_kwargs(sent)["s3BucketRegion"] == "us-east-1"
    assert "region" not in to_boto3_kwargs(sent)


def test_full_request_is_normalized() -> None:
    sent = validate(
        {
            "source": "https://s3.eu-west-1.amazonaws.com/bucket/key",
            "format": "OPENCYPHER",
            "iamRoleArn": f"{ROLE}, arn:aws:iam::210987654321:role/Chained",
            "region": "eu-west-1",
            "mode": "resume",
            "failOnError": "FALSE",
            "parallelism": "medium",
            "queueRequest": True,
            "dependencies": [DEP],
            "parserConfiguration": {"baseUri": "http://example.org/", "allowEmptyStrings": True},
            "userProvidedEdgeIds": "TRUE",
            "edgeOnlyLoad": False,
            "updateSingleCardinalityProperties": "false",
        }
    )
    assert sent["format"] == "opencypher"
    assert sent["mode"] == "RESUME"
    assert sent["parallelism"] == "MEDIUM"
    assert sent["failOnError"] is False
    assert sent["queueRequest"] is True
    assert sent["userProvidedEdgeIds"] is True
    assert sent["updateSingleCardinalityProperties"] is False
    assert sent["iamRoleArn"] == f"{ROLE},arn:aws:iam::210987654321:role/Chained"
    assert sent["parserConfiguration"] == {
        "baseUri": "http://example.org/",
        "allowEmptyStrings": "true",
    }


GOOD = {"source": "s3://bucket/data/", "format": "csv"}


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ([], "must be a JSON object"),
        ({"format": "csv"}, "source is missing"),
        ({**GOOD, "source": "/local/path"}, "is not an S3 URI"),
        ({**GOOD, "source": "http://bucket/data"}, "is not an S3 URI"),
        ({**GOOD, "source": 5}, "source is missing"),
        ({**GOOD, "source": "s3://" + "b" * 2000}, "is not an S3 URI"),
        ({"source": "s3://bucket/x"}, "format is missing"),
        ({**GOOD, "format": "parquet"}, "format must be one of"),
        ({**GOOD, "parallelism": "EXTREME"}, "parallelism must be one of"),
        ({**GOOD, "mode": "REPLACE"}, "mode must be one of"),
        ({**GOOD, "failOnError": "maybe"}, "failOnError must be true or false"),
        ({**GOOD, "queueRequest": 1}, "queueRequest must be true or false"),
        ({**GOOD, "iamRoleArn": "role/NeptuneLoad"}, "is not an IAM role ARN"),
        ({**GOOD, "iamRoleArn": "arn:aws:iam::12345:role/x"}, "is not an IAM role ARN"),
        ({**GOOD, "region": "mars-1"}, "region must be an AWS region"),
        ({**GOOD, "dependencies": [DEP]}, "only work with queueRequest"),
        ({**GOOD, "queueRequest": True, "dependencies": ["nope"]}, r"dependencies\[0\]"),
        ({**GOOD, "queueRequest": True, "dependencies": [DEP] * 65}, "at most 64"),
        ({**GOOD, "queueRequest": True, "dependencies": DEP}, "must be a list"),
        ({**GOOD, "parserConfiguration": {"delimiter": ";"}}, "unknown keys delimiter"),
        ({**GOOD, "failonerror": "TRUE"}, "unknown loader request keys: failonerror"),
        (
            {**GOOD, "parserConfiguration": {"baseUri": "http://x/" + "a" * 2000}},
            "parserConfiguration baseUri is longer than 1024",
        ),
        ({**GOOD, "iamRoleArn": ",".join([ROLE] * 11)}, "iamRoleArn chains more than 10 roles"),
    ],
)
def test_bad_requests_are_rejected_naming_the_field(request_: object, named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        validate(request_)


def test_missing_role_without_default_is_named() -> None:
    with pytest.raises(InvalidInputError, match="iamRoleArn is missing"):
        validate(GOOD, role=None)
