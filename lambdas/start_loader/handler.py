"""Start Lambda: validate a Neptune loader request, start it once, return ``{"loadId", "request"}``.

Input: the loader request itself, or (from the workflow) ``{"request": {...}, "attempt":
{"since": "<ISO 8601>", "previousLoadId": "<id or null>"}}``: with ``attempt``, a load of the
same source started since then (other than ``previousLoadId``) is adopted instead of starting a
second one (a Step Functions retry or redrive). The logic lives in `neptune_loader.start_load`.

Glue only; errors: `InvalidInputError` (before any call), `NeptuneTransientError` (nothing
started; safe to retry), `NeptuneLoadQueueFull` (nothing started; retry later),
`NeptuneRequestRejected` (permanent), `NeptuneStartOutcomeUnknown` (do not retry blindly).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from neptune_loader.defaults import DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME
from neptune_loader.exceptions import InvalidInputError
from neptune_loader.loader_request import validate_loader_request
from neptune_loader.neptune_client import (
    LoaderStatusApi,
    create_start_client,
    create_status_client,
)
from neptune_loader.settings import Settings, load_settings
from neptune_loader.start_load import Attempt, start_load
from neptune_loader.validation import validate_load_id

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_neptunedata import NeptuneDataClient

SERVICE = DEFAULT_SERVICE_NAME
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE)
)
tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))


@cache
def _settings() -> Settings:
    return load_settings(os.environ)


@cache
def _client() -> NeptuneDataClient:
    return create_start_client(_settings())


@cache
def _reader() -> NeptuneDataClient:
    """Lists and reads loads (short timeouts, as the status Lambda's client)."""
    return create_status_client(_settings())


def parse_start_event(event: Any) -> tuple[Any, Attempt | None]:
    """The loader request and the workflow's attempt (``None`` for a bare request)."""
    if not (isinstance(event, dict) and "request" in event and "source" not in event):
        return event, None
    unknown = sorted(str(key) for key in event if key not in ("request", "attempt"))
    if unknown:
        raise InvalidInputError(f"unknown keys next to request: {', '.join(unknown)[:200]}")
    attempt = event.get("attempt")
    if attempt is None:
        return event["request"], None
    if not isinstance(attempt, dict):
        raise InvalidInputError("attempt must be an object with since (ISO 8601)")
    since = attempt.get("since")
    try:
        began = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"attempt.since must be an ISO 8601 time; got {since!r}") from None
    if began.tzinfo is None:
        raise InvalidInputError(f"attempt.since must carry a time zone; got {since!r}")
    previous = attempt.get("previousLoadId")
    exclude = (
        frozenset() if previous is None else {validate_load_id(previous, "attempt.previousLoadId")}
    )
    return event["request"], Attempt(since=began.timestamp(), exclude=frozenset(exclude))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Start the load described by ``event`` and return its id and the request sent."""
    settings = _settings()
    raw_request, attempt = parse_start_event(event)
    request = validate_loader_request(
        raw_request, default_role_arn=settings.loader_role_arn, default_region=settings.region
    )
    started = start_load(
        _client(), _reader(), LoaderStatusApi(_reader(), settings), request, attempt=attempt
    )
    logger.set_correlation_id(started.load_id)
    metrics.add_metric(
        name="LoadsAdopted" if started.adopted else "LoadsStarted", unit=MetricUnit.Count, value=1
    )
    # Log where and how, never the role chain or parser settings in full.
    logger.info(
        "Load adopted" if started.adopted else "Load started",
        extra={"source": request["source"], "format": request["format"], "mode": request["mode"]},
    )
    return {"loadId": started.load_id, "request": request, "adopted": started.adopted}
