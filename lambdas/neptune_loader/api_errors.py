"""Map a failed neptunedata call onto the contract: the one place where API errors are classified.

"The status call failed" must never read as "the load failed": throttling, timeouts, 5xx, network
errors and unreadable answers are transient (`RETRY`); an unknown load id is `LOAD_ID_NOT_FOUND`;
everything else is a permanent API error reported with its code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
)
from botocore.parsers import ResponseParserError

from neptune_loader.error_summary import clip
from neptune_loader.exceptions import CallDeadlineExceeded

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
    }
)
NOT_FOUND_CODE = "BulkLoadIdNotFoundException"
LOAD_ID_NOT_FOUND = "LOAD_ID_NOT_FOUND"
_INVALID_ID_MESSAGE = re.compile(r"load ?id|does not exist|not found|no load", re.IGNORECASE)
MAX_MESSAGE_CHARS = 500
# The code comes from the server (header or body) and becomes the contract's reason: keep it short.
MAX_CODE_CHARS = 100


@dataclass(frozen=True)
class ApiFailure:
    """A classified API failure."""

    transient: bool
    reason: str
    message: str
    code: str
    http_status: int | None


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
            False,
            "NoCredentialsError",
            "No AWS credentials were found to sign the request; give the function a role "
            "or set NEPTUNE_IAM_AUTH=false for clusters without IAM authentication.",
            "NoCredentialsError",
            None,
        )
    if isinstance(error, ResponseParserError):
        return ApiFailure(
            True,
            "UNREADABLE_RESPONSE",
            f"Neptune's answer could not be parsed ({_clip(str(error))}); will check again.",
            type(error).__name__,
            None,
        )
    if isinstance(error, CallDeadlineExceeded | ConnectionError | HTTPClientError):
        # Covers connect/read timeouts, refused and dropped connections, proxy and SSL errors.
        return ApiFailure(
            True,
            "CONNECTION_ERROR",
            f"Could not reach Neptune ({_clip(str(error))}); will check again. If this persists, "
            "check the endpoint, the VPC and the security group on the Neptune port.",
            type(error).__name__,
            None,
        )
    if isinstance(error, BotoCoreError):
        return ApiFailure(
            False,
            type(error).__name__,
            f"The request could not be made: {_clip(str(error))}",
            type(error).__name__,
            None,
        )
    raise error


def _classify_client_error(error: ClientError) -> ApiFailure:
    code, detail, http_status = client_error_fields(error)

    if code == NOT_FOUND_CODE or (
        code == "BadRequestException" and _INVALID_ID_MESSAGE.search(detail) is not None
    ):
        return ApiFailure(
            False,
            LOAD_ID_NOT_FOUND,
            "Neptune does not know this load id: check for a typo or the wrong cluster; Neptune "
            f"also forgets loads older than its 1,024 most recent. ({detail})",
            code,
            http_status,
        )
    if is_transient(code, http_status):
        return ApiFailure(
            True,
            code or f"HTTP_{http_status}",
            f"Neptune could not answer this time ({code or http_status}: {detail}); will check again.",
            code,
            http_status,
        )
    if code in ("AccessDeniedException", "403") or http_status == 403:
        return ApiFailure(
            False,
            code or "AccessDeniedException",
            "Neptune denied the request: the function's role needs neptune-db:GetLoaderJobStatus "
            f"on the cluster, and requests must be signed in the cluster's region. ({detail})",
            code,
            http_status,
        )
    return ApiFailure(
        False,
        code or f"HTTP_{http_status}",
        f"Neptune rejected the status request ({code or http_status}): {detail}",
        code,
        http_status,
    )
