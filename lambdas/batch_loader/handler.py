"""Batch-controller Lambda: one call per wait cycle of the batch workflow (docs/contract.md,
"Batch state machine"). Glue only: validate, run one cycle, log.

The first call gets ``{"batch": INPUT}``: the batch is validated whole (`InvalidInputError`
before anything is sent) and the first loads are sent. Each later call gets the state the
previous one returned (``batch``, ``progress``) and returns the next: ``outcome`` RUNNING with
``wait``, SUCCEEDED with ``result``, or FAILED with ``cause``.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from batch_loader.batch_input import validate_batch
from batch_loader.controller import Cycle, new_records, run_cycle
from neptune_loader.defaults import (
    BATCH_MAX_CYCLES,
    DEFAULT_METRICS_NAMESPACE,
    DEFAULT_SERVICE_NAME,
)
from neptune_loader.neptune_client import LoaderStatusApi, create_start_client, create_status_client
from neptune_loader.settings import Settings, load_settings
from neptune_loader.start_load import start_load
from neptune_loader.wiring import StatusChecker, status_checker

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_neptunedata import NeptuneDataClient

SERVICE = DEFAULT_SERVICE_NAME
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE)
)
# Without a Lambda context (local calls), assume a generous invocation.
DEFAULT_SECONDS = 120.0


@cache
def _settings() -> Settings:
    return load_settings(os.environ)


@cache
def _start_client() -> NeptuneDataClient:
    return create_start_client(_settings())


@cache
def _reader() -> NeptuneDataClient:
    # Lists and reads loads for the start code (short timeouts), as the start Lambda's does.
    return create_status_client(_settings())


@cache
def _checker() -> StatusChecker:
    return status_checker(_settings())


def _start(request: dict[str, Any]) -> str:
    """One start through the start Lambda's code: lists first, adopts a load an unanswered start
    created, never sends twice."""
    reader = _reader()
    return start_load(
        _start_client(), reader, LoaderStatusApi(reader, _settings()), request
    ).load_id


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: Any, context: LambdaContext | None) -> dict[str, Any]:
    """Run one cycle of the batch in ``event`` and return the execution's next state."""
    settings = _settings()
    raw = event.get("batch") if isinstance(event, dict) else None
    batch = validate_batch(
        raw, default_role_arn=settings.loader_role_arn, default_region=settings.region
    )
    started = time.monotonic()
    budget = context.get_remaining_time_in_millis() / 1000 if context else DEFAULT_SECONDS
    progress = event.get("progress") or {"loads": new_records(batch)}
    cycle = Cycle(
        start=_start,
        check=_checker().check,
        time_left=lambda: budget - (time.monotonic() - started),
        policy=_checker().policy,
        # The stack sets MAX_RESUBMITS from the deployment's maxResubmits (settings check it).
        max_resubmits=settings.max_resubmits,
    )
    state = run_cycle(batch, progress, cycle, max_cycles=BATCH_MAX_CYCLES)
    metrics.add_metric(name="BatchCycles", unit=MetricUnit.Count, value=1)
    logger.info(
        "Batch cycle",
        extra={
            "outcome": state["outcome"],
            "cycle": progress["cycles"],
            "wait": state.get("wait"),
            "states": _count_states(progress["loads"]),
        },
    )
    if state["outcome"] == "RUNNING":
        state["batch"] = raw
    else:
        state.pop("progress")  # the verdict alone: the final state stays small
    return state


def _count_states(records: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["s"]] = counts.get(record["s"], 0) + 1
    return counts
