"""Validate a Neptune loader request (POST /loader, documented camelCase keys) before sending it.

Every problem raises `InvalidInputError` naming the field, so nothing malformed reaches Neptune.
A key whose value is JSON ``null`` counts as absent (so a deployment default applies). Options that
only some formats take (docs/reference/neptune-loader-api.md §3.1) are refused for the others.
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
RDF_FORMATS = ("ntriples", "nquads", "rdfxml", "turtle")
# Which formats take each format-specific option (§3.1 of the loader API reference): the parser
# settings namedGraphUri/baseUri are RDF settings, allowEmptyStrings is for the property-graph CSV
# formats, updateSingleCardinalityProperties is "not supported for openCypher" and
# userProvidedEdgeIds is "openCypher only".
FORMATS_TAKING = {
    "parserConfiguration.namedGraphUri": RDF_FORMATS,
    "parserConfiguration.baseUri": RDF_FORMATS,
    "parserConfiguration.allowEmptyStrings": ("csv", "opencypher"),
    "updateSingleCardinalityProperties": ("csv", *RDF_FORMATS),
    "userProvidedEdgeIds": ("opencypher",),
}

_S3_URI = re.compile(
    # S3 keys may contain spaces (and any other printable character); control characters never.
    r"^(s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^\x00-\x1f\x7f]*)?"
    r"|https://s3(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"
    r"(/[^\x00-\x1f\x7f]*)?)$"
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
    # JSON null means "not given": the documented default (or the deployment's) applies.
    request = {key: value for key, value in request.items() if value is not None}
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
        sent["parserConfiguration"] = _parser_configuration(parser)

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
    _check_format_options(sent)
    return sent


def _check_format_options(sent: dict[str, Any]) -> None:
    """Refuse an option the request's format does not take, naming the option and the format."""
    given = set(sent) | {
        f"parserConfiguration.{key}" for key in sent.get("parserConfiguration", {})
    }
    for option, formats in FORMATS_TAKING.items():
        if option in given and sent["format"] not in formats:
            raise InvalidInputError(
                f"{option} does not apply to format {sent['format']}: it is for "
                f"{', '.join(formats)} only; remove it"
            )


def _parser_configuration(parser: object) -> dict[str, str]:
    """``parserConfiguration`` as Neptune takes it: known keys, string values (booleans lowered)."""
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
    return {
        key: (str(value).lower() if isinstance(value, bool) else value)
        for key, value in parser.items()
    }


def to_boto3_kwargs(request: dict[str, Any]) -> dict[str, Any]:
    """The validated request as `start_loader_job` keyword arguments (``region`` is ``s3BucketRegion``)."""
    kwargs = dict(request)
    kwargs["s3BucketRegion"] = kwargs.pop("region")
    return kwargs
