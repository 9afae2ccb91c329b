"""Map a failed neptunedata call onto the contract: the one place where API errors are classified.

Status reads (`classify_api_error`): "the status call failed" must never read as "the load
failed": throttling, timeouts, 5xx, network errors, unreadable answers and an expired security
token are transient (`RETRY`); an unknown load id is `LOAD_ID_NOT_FOUND` (`FAILED`); every other
refusal (access denied, invalid signature, an operation the cluster refuses, no credentials) is
`refused` (`UNAVAILABLE`: the load may well be running). Every ``reason`` is UPPER_SNAKE_CASE,
made here by `reason_code`. Starts (`classify_start_error`): which of the start Lambda's errors a
failed ``POST /loader`` is, and whether the load may have started all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    ProxyConnectionError,
)
from botocore.parsers import ResponseParserError

from neptune_loader import statuses as reasons  # the fixed reason names, declared stdlib-only
from neptune_loader.coerce import clip
from neptune_loader.exceptions import (
    CallDeadlineExceeded,
    InvalidInputError,
    NeptuneLoadQueueFull,
    NeptuneRequestRejected,
    NeptuneStartOutcomeUnknown,
    NeptuneTransientError,
)

# Codes from the botocore model and the Neptune engine-error table that may succeed when tried again.
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "ClientTimeoutException",
        "InternalFailureException",
        "ConstraintViolationException",  # a 400 that the engine-error table marks "OK to retry"
        "ConcurrentModificationException",
        "MemoryLimitExceededException",
        "TimeLimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        # An STS session token that expired: Lambda refreshes its role's credentials by itself.
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
    }
)
# A refusal whose text says it was throttled (a throttled signature check) is transient too.
_THROTTLED_TEXT = re.compile(r"throttl|rate exceeded|too many requests", re.IGNORECASE)
# Botocore exception names whose meaning is clearer under a name of ours.
_REASON_NAMES = {
    "NoCredentialsError": reasons.NO_CREDENTIALS,
    "AccessDenied": reasons.ACCESS_DENIED,
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
NOT_FOUND_CODE = "BulkLoadIdNotFoundException"
_INVALID_ID_MESSAGE = re.compile(r"load ?id|does not exist|not found|no load", re.IGNORECASE)
MAX_MESSAGE_CHARS = 500
# The code comes from the server (header or body) and becomes the contract's reason: keep it short.
MAX_CODE_CHARS = 100
# Markers in Neptune's message for a rejected start, and what to do about each.
START_HINTS = {
    "Max concurrent load limit breached": "another load is running; set queueRequest: true to queue",
    "Couldn't find the AWS credential for iam_role_arn": "add the loader role to the cluster",
    "not permitted on a read replica": "use the cluster (writer) endpoint",
    "Unable to connect to S3 endpoint": "check the source, the loader role and the S3 VPC endpoint",
}
# 500s that Neptune answers when the load could not start, and that will not start next time
# either (docs/reference/neptune-loader-api.md §2 start-time errors, §8, aws/graph-notebook#710).
PERMANENT_START_FAILURES = (
    "Unable to connect to S3 endpoint",
    "Failed to start load from the source",
    "Failed to start load because of unknown error from S3",
)
# "Max load task queue size limit breached. Limit is 64" (400, §3.2): nothing was started.
QUEUE_FULL_MARKER = "Max load task queue size limit breached"
# Refusals at the door (throttling): the request was not acted on, so sending it again is safe.
THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})

StartError = (
    InvalidInputError
    | NeptuneTransientError
    | NeptuneRequestRejected
    | NeptuneLoadQueueFull
    | NeptuneStartOutcomeUnknown
)


@dataclass(frozen=True, kw_only=True)
class ApiFailure:
    """A classified API failure."""

    transient: bool
    reason: str
    message: str
    code: str
    http_status: int | None = None
    # Permanent, and not about the load: the status cannot be read (``UNAVAILABLE``).
    refused: bool = False


# A status answer without a readable ``overallStatus.status`` (a proxy's page, a truncated body).
UNREADABLE_STATUS = ApiFailure(
    transient=True,
    reason=reasons.UNREADABLE_RESPONSE,
    message="Neptune's answer had no readable overallStatus.status; will check again.",
    code=reasons.UNREADABLE_RESPONSE,
)


def reason_code(name: str) -> str:
    """The contract's UPPER_SNAKE_CASE ``reason`` for an error code or exception name.

    ``AccessDeniedException`` -> ``ACCESS_DENIED``, ``NoCredentialsError`` -> ``NO_CREDENTIALS``,
    ``502`` -> ``HTTP_502``; a code that is already UPPER_SNAKE_CASE stays as it is.
    """
    name = name.strip()
    if name in _REASON_NAMES:
        return _REASON_NAMES[name]
    if name.isascii() and name.isdigit():
        return f"HTTP_{name}"[:MAX_CODE_CHARS]
    for suffix in ("Exception", "Error", "Fault"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    snake = re.sub(r"[^A-Za-z0-9]+", "_", _CAMEL_BOUNDARY.sub("_", name)).strip("_").upper()
    return snake[:MAX_CODE_CHARS].rstrip("_") or reasons.UNKNOWN_API_ERROR


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One line of at most ``limit`` characters (server text may span lines)."""
    return clip(" ".join(text.split()), limit)


def client_error_fields(error: ClientError) -> tuple[str, str, int | None]:
    """The error code, Neptune's message and the HTTP status of a failed call.

    Neptune puts the useful text in ``detailedMessage``; botocore's ``Message`` is often empty.
    """
    response = error.response
    code = _clip(str(response.get("Error", {}).get("Code", "") or ""), MAX_CODE_CHARS)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    http_status = status if isinstance(status, int) else None
    detail = str(response.get("detailedMessage") or response.get("Error", {}).get("Message") or "")
    return code, _clip(detail) if detail else f"HTTP {http_status} {code}".strip(), http_status


def is_transient(code: str, http_status: int | None) -> bool:
    """Whether a failed call may succeed if made again later."""
    return code in TRANSIENT_CODES or (
        http_status is not None and (http_status >= 500 or http_status in (408, 429))
    )


def classify_api_error(error: Exception) -> ApiFailure:
    """Classify an exception raised by a neptunedata call (after botocore's own bounded retries)."""
    if isinstance(error, ClientError):
        return _classify_client_error(error)
    if isinstance(error, NoCredentialsError):
        return ApiFailure(
            transient=False,
            reason=reason_code("NoCredentialsError"),
            message="The status cannot be read: no AWS credentials were found to sign the "
            "request; give the function a role or set NEPTUNE_IAM_AUTH=false for clusters "
            "without IAM authentication.",
            code="NoCredentialsError",
            refused=True,
        )
    if isinstance(error, ResponseParserError):
        return ApiFailure(
            transient=True,
            reason=reasons.UNREADABLE_RESPONSE,
            message=f"Neptune's answer could not be parsed ({_clip(str(error))}); will check again.",
            code=type(error).__name__,
        )
    if isinstance(error, CallDeadlineExceeded | ConnectionError | HTTPClientError):
        # Covers connect/read timeouts, refused and dropped connections, proxy and SSL errors.
        return ApiFailure(
            transient=True,
            reason=reasons.CONNECTION_ERROR,
            message=f"Could not reach Neptune ({_clip(str(error))}); will check again. If this "
            "persists, check the endpoint, the VPC and the security group on the Neptune port.",
            code=type(error).__name__,
        )
    if isinstance(error, BotoCoreError):
        return ApiFailure(
            transient=False,
            reason=reasons.REQUEST_NOT_SENT,
            message=f"The status request could not be made ({type(error).__name__}: "
            f"{_clip(str(error))}); fix the function's configuration.",
            code=type(error).__name__,
            refused=True,
        )
    raise error


def _classify_client_error(error: ClientError) -> ApiFailure:
    code, detail, http_status = client_error_fields(error)

    if code == NOT_FOUND_CODE or (
        code == "BadRequestException" and _INVALID_ID_MESSAGE.search(detail) is not None
    ):
        return ApiFailure(
            transient=False,
            reason=reasons.LOAD_ID_NOT_FOUND,
            message="Neptune does not know this load id: check for a typo or the wrong cluster; "
            f"Neptune also forgets loads older than its 1,024 most recent. ({detail})",
            code=code,
            http_status=http_status,
        )
    if is_transient(code, http_status) or _THROTTLED_TEXT.search(f"{code} {detail}"):
        return ApiFailure(
            transient=True,
            reason=reason_code(code or str(http_status or "")),
            message=f"Neptune could not answer this time ({code or http_status}: {detail}); "
            "will check again.",
            code=code,
            http_status=http_status,
        )
    # Refused: checking again will not help until someone fixes what the message names.
    if "GetLoaderJobStatus" in detail:
        # Neptune names the missing permission: say where to add it.
        fix = "give the function's role neptune-db:GetLoaderJobStatus on the cluster"
    elif code in ("AccessDeniedException", "403") or http_status == 403:
        fix = (
            "check the function's role and the cluster's IAM authentication (requests are "
            "signed in the cluster's region)"
        )
    else:
        fix = "fix what Neptune names (endpoint, engine version, instance state), then check again"
    # A 403 without an error code is an access denial.
    refusal = "AccessDenied" if http_status == 403 and code in ("", "403") else code
    return ApiFailure(
        transient=False,
        reason=reason_code(refusal or str(http_status or "")),
        message=f"Neptune refused to read the load's status ({code or http_status}: {detail}); "
        f"the load may still be running: {fix}.",
        code=code,
        http_status=http_status,
        refused=True,
    )


def classify_start_error(error: Exception) -> StartError:
    """The named error for a failed ``POST /loader``.

    Unlike a status check, a start is not harmless to repeat: an answer that leaves open whether
    Neptune acted on the request (408, a 5xx other than the documented permanent ones, a dropped
    connection, a read timeout, an unreadable answer) is `NeptuneStartOutcomeUnknown`, which the
    caller resolves by looking for the load (`neptune_loader.start_load`) before anything is sent
    again. A failure before anything was sent is never "unknown".
    """
    if isinstance(error, ParamValidationError):
        # botocore refused the arguments before sending: nothing reached Neptune.
        return InvalidInputError(
            f"the loader request was refused before sending: {_clip(str(error))}"
        )
    if isinstance(error, ClientError):
        code, detail, status = client_error_fields(error)
        if any(marker in detail for marker in PERMANENT_START_FAILURES):
            hint = next((text for marker, text in START_HINTS.items() if marker in detail), "")
            return NeptuneRequestRejected(
                f"Neptune could not start the load ({code or status}): {detail}"
                + (f" — {hint}" if hint else "")
            )
        if QUEUE_FULL_MARKER in detail:
            return NeptuneLoadQueueFull(
                f"Neptune's load queue is full ({code or status}): {detail} — nothing was "
                "started; wait for queued loads to finish"
            )
        if code in THROTTLING_CODES or status == 429:
            return NeptuneTransientError(
                f"Neptune could not start the load this time ({code or status}): {detail}"
            )
        if is_transient(code, status):
            return NeptuneStartOutcomeUnknown(
                f"Neptune answered the start with {code or status} ({detail}); the load may have "
                "started all the same"
            )
        hint = next((text for marker, text in START_HINTS.items() if marker in detail), "")
        return NeptuneRequestRejected(
            f"Neptune rejected the load request ({code or status}): {detail}"
            + (f" — {hint}" if hint else "")
        )
    if isinstance(error, ConnectTimeoutError | EndpointConnectionError | ProxyConnectionError):
        # The request never left: safe to try again.
        return NeptuneTransientError(f"Could not reach Neptune to start the load: {error}")
    # Read timeouts, dropped connections, unreadable answers: the load may have started.
    return NeptuneStartOutcomeUnknown(
        "The start request may have reached Neptune but its answer was lost "
        f"({type(error).__name__}); the load may have started all the same"
    )
