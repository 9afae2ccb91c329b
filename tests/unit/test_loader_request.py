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
            "parserConfiguration": {"allowEmptyStrings": True},
            "userProvidedEdgeIds": "TRUE",
            "edgeOnlyLoad": False,
        }
    )
    # baseUri is an RDF setting and updateSingleCardinalityProperties is not for openCypher
    # (issue 11): normalized on an RDF request instead.
    rdf = validate(
        {
            "source": "s3://bucket/triples/",
            "format": "Turtle",
            "parserConfiguration": {"baseUri": "http://example.org/"},
            "updateSingleCardinalityProperties": "false",
        }
    )
    assert rdf["updateSingleCardinalityProperties"] is False
    assert rdf["parserConfiguration"] == {"baseUri": "http://example.org/"}
    assert sent["format"] == "opencypher"
    assert sent["mode"] == "RESUME"
    assert sent["parallelism"] == "MEDIUM"
    assert sent["failOnError"] is False
    assert sent["queueRequest"] is True
    assert sent["userProvidedEdgeIds"] is True
    assert sent["iamRoleArn"] == f"{ROLE},arn:aws:iam::210987654321:role/Chained"
    assert sent["parserConfiguration"] == {"allowEmptyStrings": "true"}


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


# --- issue 11: null values, spaces in keys, options for the wrong format ---------------------


@pytest.mark.parametrize("key", ["mode", "parallelism", "failOnError", "parserConfiguration"])
def test_null_optional_values_are_treated_as_absent(key: str) -> None:
    # Before: "mode": null went out as None, botocore refused it after validation, and the
    # workflow reported "outcome unknown" although nothing was sent.
    sent = validate({**GOOD, key: None})
    assert key not in sent or sent[key] == "AUTO"
    assert sent["mode"] == "AUTO"
    assert None not in sent.values()


def test_null_role_uses_the_deployment_default() -> None:
    # Before: refused with "iamRoleArn is missing" although the deployment sets a default.
    assert validate({**GOOD, "iamRoleArn": None})["iamRoleArn"] == ROLE
    assert validate({**GOOD, "region": None})["region"] == "us-east-1"


def test_null_role_without_default_is_named() -> None:
    with pytest.raises(InvalidInputError, match="iamRoleArn is missing"):
        validate({**GOOD, "iamRoleArn": None}, role=None)


def test_s3_keys_may_contain_spaces() -> None:
    # Before: refused as "not an S3 URI".
    assert validate({**GOOD, "source": "s3://bucket/my data/file.csv"})["source"] == (
        "s3://bucket/my data/file.csv"
    )


def test_s3_uri_with_control_characters_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="is not an S3 URI"):
        validate({**GOOD, "source": "s3://bucket/a\nb"})


@pytest.mark.parametrize(
    ("data_format", "option", "named"),
    [
        ("csv", {"parserConfiguration": {"namedGraphUri": "http://g/"}}, "namedGraphUri"),
        ("opencypher", {"parserConfiguration": {"baseUri": "http://b/"}}, "baseUri"),
        ("turtle", {"parserConfiguration": {"allowEmptyStrings": "true"}}, "allowEmptyStrings"),
        ("opencypher", {"updateSingleCardinalityProperties": True}, "updateSingleCardinality"),
        ("csv", {"userProvidedEdgeIds": True}, "userProvidedEdgeIds"),
        ("nquads", {"userProvidedEdgeIds": False}, "userProvidedEdgeIds"),
    ],
)
def test_options_for_other_formats_are_refused_naming_the_field(
    data_format: str, option: dict[str, object], named: str
) -> None:
    # Before: accepted and sent; Neptune would refuse or ignore them.
    with pytest.raises(InvalidInputError, match=f"{named}.*{data_format}"):
        validate({**GOOD, "format": data_format, **option})


@pytest.mark.parametrize(
    ("data_format", "option"),
    [
        ("turtle", {"parserConfiguration": {"namedGraphUri": "http://g/", "baseUri": "http://b/"}}),
        ("ntriples", {"parserConfiguration": {"namedGraphUri": "http://g/"}}),
        ("csv", {"parserConfiguration": {"allowEmptyStrings": "true"}}),
        ("opencypher", {"parserConfiguration": {"allowEmptyStrings": True}}),
        ("csv", {"updateSingleCardinalityProperties": True}),
        ("opencypher", {"userProvidedEdgeIds": False}),
    ],
)
def test_options_for_their_own_format_are_sent(data_format: str, option: dict[str, object]) -> None:
    sent = validate({**GOOD, "format": data_format, **option})
    assert set(option) <= set(sent)
