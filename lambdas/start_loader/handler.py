"""Start Lambda: validate a Neptune loader request, send it, return ``{"loadId", "request"}``.

Glue only; errors: `InvalidInputError` (before any call), `NeptuneTransientError` (safe to retry),
`NeptuneRequestRejected` (permanent), `NeptuneStartOutcomeUnknown` (do not retry blindly).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from neptune_loader.loader_request import validate_loader_request
from neptune_loader.neptune_client import create_start_client
from neptune_loader.settings import Settings, load_settings
from neptune_loader.start_load import start_load

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_neptunedata import NeptuneDataClient

SERVICE = "neptune-bulk-load"
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "NeptuneBulkLoad"))
tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))


@cache
def _settings() -> Settings:
    return load_settings(os.environ)


@cache
def _client() -> NeptuneDataClient:
    return create_start_client(_settings())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Start the load described by ``event`` and return its id and the request sent."""
    settings = _settings()
    request = validate_loader_request(
        event, default_role_arn=settings.loader_role_arn, default_region=settings.region
    )
    load_id = start_load(_client(), request)
    logger.set_correlation_id(load_id)
    metrics.add_metric(name="LoadsStarted", unit=MetricUnit.Count, value=1)
    # Log where and how, never the role chain or parser settings in full.
    logger.info(
        "Load started",
        extra={"source": request["source"], "format": request["format"], "mode": request["mode"]},
    )
    return {"loadId": load_id, "request": request}
