"""The emulator's checks of loader requests: start bodies, query parameters, paging and limits.

Independent of the product on purpose: the emulator is the test oracle the Lambdas and the CLI
are checked against, so it never imports ``lambdas/neptune_loader/loader_request.py`` (or any
product code). Each rule is written here again from the sources; were the two to share code, a
mistake in it would pass every test.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- Required members ``source``, ``format``, ``iamRoleArn`` and ``region`` (``s3BucketRegion`` in
  boto3, serialized as ``region``): §3.1 [model]. The "Missing required parameter" text and the
  other message texts marked *own* below are the emulator's: the sources give none.
- ``format`` values, ``mode`` (default ``AUTO``), ``parallelism`` (default ``HIGH``),
  ``userProvidedEdgeIds`` only for openCypher, ``parserConfiguration`` as a string map with
  ``allowEmptyStrings`` false by default, ``dependencies`` only with ``queueRequest``: §3.1.
- Booleans: the docs write ``"TRUE"``/``"FALSE"``, boto3 sends JSON booleans or lowercase and
  Neptune accepts them (§1.1, §6.9); case-insensitive strings are accepted here.
- ``iamRoleArn`` may be a comma-separated chain (§3.1); an unusable role answers "Couldn't find
  the AWS credential for iam_role_arn" and another region "Bucket is not in provided Region
  (<r>)", both 400 (§2, start-time errors table).
- A dependency id must be a load Neptune tracks: the sources are silent; *own* message.
- The raw HTTP API takes JSON or URL-encoded form fields (§3.1).
- ``page``/``errorsPerPage`` are positive integers (§1.1); ``limit`` is 1..100 (§1.1, §3.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from loadctl.emulator.errors import bad_request

FORMATS = frozenset({"csv", "opencypher", "ntriples", "nquads", "rdfxml", "turtle"})
MODES = frozenset({"RESUME", "NEW", "AUTO"})
PARALLELISMS = frozenset({"LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE"})
BOOLEAN_PARAMETERS = (
    "failOnError",
    "updateSingleCardinalityProperties",
    "queueRequest",
    "userProvidedEdgeIds",
    "edgeOnlyLoad",
)
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


@dataclass(frozen=True)
class StartOptions:
    """What the emulator acts on of a start request that passed every check (defaults filled in).

    ``parallelism``, ``updateSingleCardinalityProperties`` and ``userProvidedEdgeIds`` are checked
    but change nothing in the emulator, so they are not kept.
    """

    source: str
    format: str
    mode: str
    fail_on_error: bool
    queue_request: bool
    edge_only_load: bool
    allow_empty_strings: bool
    dependencies: tuple[str, ...]


def parse_boolean(name: str, value: Any, default: bool) -> bool:
    """Accept JSON booleans and the strings TRUE/FALSE in any case, as Neptune does (§1.1)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise bad_request(f"Invalid value '{value}' for parameter '{name}'. Expected TRUE or FALSE")


def positive_int(name: str, value: str | None, default: int) -> int:
    """A query parameter that must be an integer >= 1 (own message)."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise bad_request(
            f"Invalid value '{value}' for parameter '{name}': expected an integer >= 1"
        )
    return number


def check_error_page(page: int, errors_per_page: int) -> None:
    """``page`` and ``errorsPerPage`` of a status request are positive (§1.1; own message)."""
    if page < 1 or errors_per_page < 1:
        raise bad_request("page and errorsPerPage must be positive integers")


def check_list_limit(limit: int) -> None:
    """``limit`` of a list request is 1..100 (§1.1, §3.3; own message)."""
    if not 1 <= limit <= 100:
        raise bad_request(f"Invalid limit {limit}. The limit must be between 1 and 100")


def request_document(body: bytes, content_type: str | None) -> dict[str, Any]:
    """A start request as JSON, or URL-encoded form fields (the raw HTTP API accepts both)."""
    text = body.decode("utf-8", errors="replace").strip()
    if content_type and "x-www-form-urlencoded" in content_type:
        fields = parse_qs(text, keep_blank_values=True)
        document: dict[str, Any] = {k: v[-1] for k, v in fields.items()}
        if "dependencies" in fields:
            document["dependencies"] = fields["dependencies"]
        return document
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise bad_request(f"Invalid JSON in request body: {error.msg}") from error
    if not isinstance(parsed, dict):
        raise bad_request("The request body must be a JSON object")
    return parsed


def validate_start_request(
    request: dict[str, Any], *, known_load_ids: Container[str], region: str | None
) -> StartOptions:
    """Check a ``POST /loader`` body in Neptune's order of complaints; the source is not listed.

    ``known_load_ids`` are the loads a dependency may name; ``region``, when set, is the only
    region a request may give.
    """
    if not isinstance(request, dict):
        raise bad_request("The request body must be a JSON object")
    for name in ("source", "format", "iamRoleArn", "region"):
        value = request.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise bad_request(f"Missing required parameter: {name}")
        if not isinstance(value, str):
            raise bad_request(f"Invalid value for parameter '{name}': expected a string")
    source = request["source"].strip()
    data_format = request["format"].strip().lower()
    if data_format not in FORMATS:
        raise bad_request(
            f"Invalid format: '{request['format']}'. "
            f"Supported formats: {', '.join(sorted(FORMATS))}"
        )
    choices: dict[str, str] = {}
    for name, allowed, default in (
        ("mode", MODES, "AUTO"),
        ("parallelism", PARALLELISMS, "HIGH"),
    ):
        value = request.get(name, default)
        if not isinstance(value, str) or value.upper() not in allowed:
            raise bad_request(
                f"Invalid value '{value}' for parameter '{name}'. "
                f"Allowed values: {', '.join(sorted(allowed))}"
            )
        choices[name] = value.upper()
    flags = {
        name: parse_boolean(name, request.get(name), default=name == "failOnError")
        for name in BOOLEAN_PARAMETERS
    }
    if "userProvidedEdgeIds" in request and data_format != "opencypher":
        raise bad_request("userProvidedEdgeIds is only valid for the opencypher format")
    parser_configuration = request.get("parserConfiguration", {})
    if not isinstance(parser_configuration, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parser_configuration.items()
    ):
        raise bad_request("parserConfiguration must be a map of strings")
    allow_empty_strings = parse_boolean(
        "allowEmptyStrings", parser_configuration.get("allowEmptyStrings"), default=False
    )
    dependencies = request.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise bad_request("dependencies must be a list of load ids")
    if dependencies and not flags["queueRequest"]:
        raise bad_request("dependencies can only be used with queueRequest set to TRUE")
    for dependency in dependencies:
        if dependency not in known_load_ids:
            raise bad_request(
                f"Failed to start new load for the source {source}. "
                f"Dependency load id {dependency} does not exist"
            )
    if not all(_ROLE_ARN.match(arn.strip()) for arn in request["iamRoleArn"].split(",")):
        raise bad_request("Couldn't find the AWS credential for iam_role_arn")
    if region is not None and request["region"] != region:
        raise bad_request(f"Bucket is not in provided Region ({request['region']})")
    return StartOptions(
        source=source,
        format=data_format,
        mode=choices["mode"],
        fail_on_error=flags["failOnError"],
        queue_request=flags["queueRequest"],
        edge_only_load=flags["edgeOnlyLoad"],
        allow_empty_strings=allow_empty_strings,
        dependencies=tuple(dependencies),
    )
