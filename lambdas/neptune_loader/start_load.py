"""Start a Neptune bulk load: send a validated request and map failures onto three named errors.

Unlike a status check, a start is not harmless to repeat: if Neptune may have accepted the request
(the answer was lost), retrying could start the same load twice, so that case has its own error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
)

from neptune_loader.api_errors import client_error_fields, is_transient
from neptune_loader.error_summary import clip
from neptune_loader.exceptions import (
    NeptuneRequestRejected,
    NeptuneStartOutcomeUnknown,
    NeptuneTransientError,
)
from neptune_loader.loader_request import to_boto3_kwargs
from neptune_loader.neptune_client import wall_clock_limit

if TYPE_CHECKING:
    from mypy_boto3_neptunedata import NeptuneDataClient

START_CALL_LIMIT_SECONDS = 25.0

_HINTS = {
    "Max concurrent load limit breached": "another load is running; set queueRequest: true to queue",
    "Max load task queue size limit breached": "64 loads are already queued; wait for some to finish",
    "Couldn't find the AWS credential for iam_role_arn": "add the loader role to the cluster",
    "not permitted on a read replica": "use the cluster (writer) endpoint",
}


def start_load(client: NeptuneDataClient, request: dict[str, Any]) -> str:
    """Send ``request`` (already validated) and return the new load id."""
    try:
        with wall_clock_limit(START_CALL_LIMIT_SECONDS):
            response = client.start_loader_job(**to_boto3_kwargs(request))
    except ClientError as error:
        code, detail, status = client_error_fields(error)
        if is_transient(code, status):
            raise NeptuneTransientError(
                f"Neptune could not start the load this time ({code or status}): {detail}"
            ) from error
        hint = next((text for marker, text in _HINTS.items() if marker in detail), "")
        raise NeptuneRequestRejected(
            f"Neptune rejected the load request ({code or status}): {detail}"
            + (f" — {hint}" if hint else "")
        ) from error
    except (ConnectTimeoutError, EndpointConnectionError, ProxyConnectionError) as error:
        # The request never left: safe to try again.
        raise NeptuneTransientError(
            f"Could not reach Neptune to start the load: {error}"
        ) from error
    except Exception as error:
        # Read timeouts, dropped connections, unreadable answers: the load may have started.
        raise NeptuneStartOutcomeUnknown(
            f"The start request may have reached Neptune but its answer was lost ({type(error).__name__}); "
            "list loads with GET /loader before starting again"
        ) from error
    payload = response.get("payload")
    load_id = payload.get("loadId") if isinstance(payload, dict) else None
    if not isinstance(load_id, str) or not load_id:
        raise NeptuneStartOutcomeUnknown(
            f"Neptune answered the start request without a loadId: {clip(str(response.get('payload')), 200)}"
        )
    return load_id
