"""Validate a Neptune loader request (POST /loader, documented camelCase keys) before sending it.

Every problem raises `InvalidInputError` naming the field, so nothing malformed reaches Neptune.
"""

from __future__ import annotations

import re
from typing import Any

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.validation import parse_error_tolerance, validate_load_id

FORMATS = ("csv", "opencypher", "ntriples", "nquads", "rdfxml", "turtle")
MODES = ("RESUME", "NEW", "AUTO")
PARALLELISM = ("LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE")
PARSER_KEYS = ("namedGraphUri", "baseUri", "allowEmptyStrings")
BOOLEAN_KEYS = (
    "failOnError",
    "updateSingleCardinalityProperties",
    "queueRequest",
    "userProvidedEdgeIds",
    "edgeOnlyLoad",
)
KNOWN_KEYS = frozenset(
    {"source", "format", "iamRoleArn", "region", "mode", "parallelism", "parserConfiguration"}
    | {"dependencies", *BOOLEAN_KEYS}
)
# Workflow options that may ride along with the request: checked here, read by the status
# checks, never sent to Neptune.
WORKFLOW_KEYS = frozenset({"errorTolerance"})
MAX_DEPENDENCIES = 64  # Neptune queues at most 64 loads, so no load can depend on more.
MAX_SOURCE_CHARS = 1024
# Generous for real values, small enough that the request always fits the workflow's state.
MAX_PARSER_VALUE_CHARS = 1024
MAX_ROLE_CHAIN = 10

_S3_URI = re.compile(
    r"^(s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/\S*)?"
    r"|https://s3(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/\S*)?)$"
)
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def _choice(
    request: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = request.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in {a.upper() for a in allowed}:
        raise InvalidInputError(f"{key} must be one of {', '.join(allowed)}; got {value!r}")
    return next(a for a in allowed if a.upper() == value.upper())


def _boolean(request: dict[str, Any], key: str) -> bool | None:
    """Neptune documents these as "TRUE"/"FALSE" strings; JSON booleans are accepted as well."""
    value = request.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    raise InvalidInputError(f'{key} must be true or false (or "TRUE"/"FALSE"); got {value!r}')


def _role_chain(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError("iamRoleArn must be an IAM role ARN string")
    if value.count(",") >= MAX_ROLE_CHAIN:
        raise InvalidInputError(f"iamRoleArn chains more than {MAX_ROLE_CHAIN} roles")
    for arn in value.split(","):
        if not _ROLE_ARN.fullmatch(arn.strip()):
            raise InvalidInputError(
                f"iamRoleArn {arn.strip()[:200]!r} is not an IAM role ARN "
                "(arn:aws:iam::123456789012:role/NAME; a comma-separated chain is allowed)"
            )
    return ",".join(arn.strip() for arn in value.split(","))


def validate_loader_request(
    request: object, *, default_role_arn: str | None, default_region: str
) -> dict[str, Any]:
    """Return the loader request to send, in Neptune's camelCase keys, with defaults filled in."""
    if not isinstance(request, dict):
        raise InvalidInputError(
            f"the loader request must be a JSON object, got {type(request).__name__}"
        )
    unknown = sorted(str(key) for key in request if key not in KNOWN_KEYS | WORKFLOW_KEYS)
    parse_error_tolerance(request.get("errorTolerance"))
    if unknown:
        raise InvalidInputError(
            f"unknown loader request keys: {', '.join(unknown)[:300]} "
            f"(accepted: {', '.join(sorted(KNOWN_KEYS))})"
        )

    source = request.get("source")
    if not isinstance(source, str) or not source:
        raise InvalidInputError("source is missing: pass an S3 URI such as s3://bucket/prefix/")
    if len(source) > MAX_SOURCE_CHARS or not _S3_URI.fullmatch(source):
        raise InvalidInputError(
            f"source {source[:200]!r} is not an S3 URI (s3://bucket/key or "
            "https://s3.REGION.amazonaws.com/bucket/key)"
        )
    data_format = _choice(request, "format", FORMATS, None)
    if data_format is None:
        raise InvalidInputError(f"format is missing: one of {', '.join(FORMATS)}")

    role = request.get("iamRoleArn", default_role_arn)
    if role is None:
        raise InvalidInputError(
            "iamRoleArn is missing and the deployment sets no default (LOADER_IAM_ROLE_ARN)"
        )
    region = request.get("region", default_region)
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise InvalidInputError(f"region must be an AWS region such as us-east-1; got {region!r}")

    sent: dict[str, Any] = {
        "source": source,
        "format": data_format,
        "iamRoleArn": _role_chain(role),
        "region": region,
        "mode": _choice(request, "mode", MODES, "AUTO"),
    }
    parallelism = _choice(request, "parallelism", PARALLELISM, None)
    if parallelism is not None:
        sent["parallelism"] = parallelism
    for key in BOOLEAN_KEYS:
        flag = _boolean(request, key)
        if flag is not None:
            sent[key] = flag

    parser = request.get("parserConfiguration")
    if parser is not None:
        if not isinstance(parser, dict):
            raise InvalidInputError("parserConfiguration must be an object of strings")
        bad = sorted(str(key) for key in parser if key not in PARSER_KEYS)
        if bad:
            raise InvalidInputError(
                f"parserConfiguration has unknown keys {', '.join(bad)[:200]} "
                f"(accepted: {', '.join(PARSER_KEYS)})"
            )
        if not all(isinstance(value, str | bool) for value in parser.values()):
            raise InvalidInputError("parserConfiguration values must be strings")
        long = sorted(
            k for k, v in parser.items() if isinstance(v, str) and len(v) > MAX_PARSER_VALUE_CHARS
        )
        if long:
            raise InvalidInputError(
                f"parserConfiguration {', '.join(long)} is longer than {MAX_PARSER_VALUE_CHARS} characters"
            )
        sent["parserConfiguration"] = {
            key: (str(value).lower() if isinstance(value, bool) else value)
            for key, value in parser.items()
        }

    dependencies = request.get("dependencies")
    if dependencies is not None:
        if not isinstance(dependencies, list):
            raise InvalidInputError("dependencies must be a list of load ids")
        if len(dependencies) > MAX_DEPENDENCIES:
            raise InvalidInputError(
                f"dependencies lists {len(dependencies)} loads; Neptune queues at most {MAX_DEPENDENCIES}"
            )
        if dependencies and sent.get("queueRequest") is not True:
            raise InvalidInputError("dependencies only work with queueRequest: true")
        sent["dependencies"] = [
            validate_load_id(item, f"dependencies[{index}]")
            for index, item in enumerate(dependencies)
        ]
    return sent


def to_boto3_kwargs(request: dict[str, Any]) -> dict[str, Any]:
    """The validated request as `start_loader_job` keyword arguments (``region`` is ``s3BucketRegion``)."""
    kwargs = dict(request)
    kwargs["s3BucketRegion"] = kwargs.pop("region")
    return kwargs
