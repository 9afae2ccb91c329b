"""Status Lambda: given a Neptune bulk-load id, say whether the load is running, done, failed, or
could not be checked this time (docs/contract.md). Glue only: parse, call the domain, emit telemetry.

No Powertools Tracer here, on purpose: creating it imports the X-Ray SDK, which costs about 250 ms
and 15 MiB of every cold start of a function that runs thousands of times per load fleet
(docs/benchmarks.md). The function's active tracing still records every invocation in X-Ray.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from neptune_loader.defaults import DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME
from neptune_loader.neptune_client import Deadline
from neptune_loader.progress import error_count
from neptune_loader.settings import Settings, load_settings
from neptune_loader.validation import parse_status_event
from neptune_loader.wiring import StatusChecker, status_checker

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from neptune_loader.status_output import StatusOutput

SERVICE = DEFAULT_SERVICE_NAME
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE)
)
# Leave room for the runtime before Lambda's own timeout.
CONTEXT_MARGIN_SECONDS = 1.0


@cache
def _settings() -> Settings:
    return load_settings(os.environ)


@cache
def _checker() -> StatusChecker:
    # Created on first use and kept for the container's life: one client, one connection pool.
    return status_checker(_settings())


def _deadline(context: LambdaContext | None) -> Deadline:
    deadline = Deadline()
    if context is not None:
        remaining = context.get_remaining_time_in_millis() / 1000 - CONTEXT_MARGIN_SECONDS
        deadline.seconds = min(deadline.seconds, max(0.0, remaining))
    return deadline


def _record_metrics(result: StatusOutput) -> None:
    metrics.add_dimension(name="State", value=result["state"])
    metrics.add_metric(name="StatusChecks", unit=MetricUnit.Count, value=1)
    if result["terminal"]:
        progress = result["progress"]
        metrics.add_metric(
            name="RecordsLoaded", unit=MetricUnit.Count, value=progress["totalRecords"]
        )
        metrics.add_metric(name="RecordErrors", unit=MetricUnit.Count, value=error_count(progress))
        metrics.add_metric(
            name="LoadSeconds", unit=MetricUnit.Seconds, value=progress["totalTimeSpent"]
        )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: Any, context: LambdaContext) -> StatusOutput:
    """Return the normalized status of the load named in ``event``.

    Raises `InvalidInputError` (before any call to Neptune) for a bad event.
    """
    request = parse_status_event(event)
    logger.set_correlation_id(request.load_id)
    result = _checker().check(request, _deadline(context))
    _record_metrics(result)
    # A routine "still running" check is at DEBUG: each check is already counted in metrics and
    # kept in the execution history, and a log line costs ~15% of a warm invocation
    # (docs/benchmarks.md). Endings and failed reads are always logged.
    log = logger.debug if result["state"] == "IN_PROGRESS" else logger.info
    log(
        "Load status checked",
        extra={
            "state": result["state"],
            "neptuneStatus": result["neptuneStatus"],
            "reason": result["reason"],
            "nextWaitSeconds": result["nextWaitSeconds"],
            "totalRecords": result["progress"]["totalRecords"],
            "errorsFetched": result["errors"]["fetched"] if "errors" in result else 0,
        },
    )
    return result
