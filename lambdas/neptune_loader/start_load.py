"""Start a Neptune bulk load: send a validated request once, within a wall-clock limit.

Failures become the start Lambda's named errors in `neptune_loader.api_errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neptune_loader.api_errors import classify_start_error
from neptune_loader.coerce import clip
from neptune_loader.exceptions import NeptuneStartOutcomeUnknown
from neptune_loader.loader_request import to_boto3_kwargs
from neptune_loader.neptune_client import wall_clock_limit

if TYPE_CHECKING:
    from mypy_boto3_neptunedata import NeptuneDataClient

START_CALL_LIMIT_SECONDS = 25.0


def start_load(client: NeptuneDataClient, request: dict[str, Any]) -> str:
    """Send ``request`` (already validated) and return the new load id."""
    try:
        with wall_clock_limit(START_CALL_LIMIT_SECONDS):
            response = client.start_loader_job(**to_boto3_kwargs(request))
    except Exception as error:
        raise classify_start_error(error) from error
    payload = response.get("payload")
    load_id = payload.get("loadId") if isinstance(payload, dict) else None
    if not isinstance(load_id, str) or not load_id:
        raise NeptuneStartOutcomeUnknown(
            f"Neptune answered the start request without a loadId: {clip(str(response.get('payload')), 200)}"
        )
    return load_id
