"""The bulk-load state machine: start a load (or take a load id), then wait and check.

Input is either a Neptune loader request (camelCase keys, as the start Lambda takes) or
``{"loadId": "..."}`` for a load started elsewhere. The success output is the final status
object. A load that fails with ``retryable: true`` is resubmitted with mode ``RESUME`` up to
``max_resubmits`` times (only loads this execution started: a watched load has no request).

One start, one load: each start attempt records when it began (the execution's start time, or
when the resubmission was prepared) and the load it replaces; the start Lambda adopts a load of
the same source started since then instead of starting another, so a retried start or a redrive of
a failed execution (which re-runs the failed state with the same input) never runs a second load.
A start Neptune refuses because its queue is full is sent again, with backoff, up to
``start_queue_full_retries`` times. A failed resubmission ends with the original failure in the
Cause, plus the start error.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ..contract import ERROR_INVALID_INPUT
from ..poll_limits import (
    HISTORY_EVENT_LIMIT,
    QUEUE_FULL_INTERVAL_SECONDS,
    QUEUE_FULL_MAX_DELAY_SECONDS,
    START_TRANSIENT_RETRY_ATTEMPTS,
    workflow_history_events,
)
from ..setting_declarations import MAX_RESUBMITS, WORKFLOW_TIMEOUT
from ..settings import PollSettings
from .load_status_poller import LoadStatusPoller
from .logged_state_machine import logged_state_machine
from .neptune_functions import NeptuneStartFunction, NeptuneStatusFunction, as_function
from .start_exits import start_failed
from .state_errors import (
    LAMBDA_SERVICE_ERRORS,
    NEPTUNE_LOAD_QUEUE_FULL,
    NEPTUNE_TRANSIENT_ERROR,
    LambdaRetryPolicy,
)

# Neptune's transient start errors (throttling, 5xx) get a slower backoff than Lambda's own.
START_TRANSIENT_RETRY = LambdaRetryPolicy(
    interval_seconds=5,
    max_attempts=START_TRANSIENT_RETRY_ATTEMPTS,
    backoff_rate=2.0,
    max_delay_seconds=60,
)


class BulkLoadWorkflow(Construct):
    """The state machine with its log group.

    Parameters
    ----------
    start_function, status_function
        The two functions: :class:`NeptuneStartFunction` and :class:`NeptuneStatusFunction`
        (wired to their cluster by construction), or functions built elsewhere that run the same
        handlers.
    poll
        The wait-and-check loop's bounds (defaults: the deployment settings' defaults).
    max_resubmits
        Resubmissions with mode ``RESUME`` after a ``retryable`` failure.
    timeout
        The execution's timeout; it must outlast every poll run (the settings check this).
    log_retention
        Retention of the execution log group.

    Attributes
    ----------
    state_machine
        The Standard state machine (X-Ray tracing, all events logged).
    log_group
        The state machine's execution log group.
    poller
        The wait-and-check fragment inside it.
    max_history_events
        Worst-case history events of one execution, checked against the 25,000 limit.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        start_function: NeptuneStartFunction | lambda_.IFunction,
        status_function: NeptuneStatusFunction | lambda_.IFunction,
        poll: PollSettings | None = None,
        max_resubmits: int = MAX_RESUBMITS.default,
        timeout: Duration | None = None,
        start_queue_full_retries: int = 0,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        lambda_retry: LambdaRetryPolicy | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        start_function = as_function(start_function)
        status_function = as_function(status_function)
        poll = poll or PollSettings()
        timeout = timeout or Duration.seconds(WORKFLOW_TIMEOUT.default)
        retry = lambda_retry or LambdaRetryPolicy()

        invalid_input = sfn.Fail(
            self,
            "InvalidWorkflowInput",
            error=ERROR_INVALID_INPUT,
            cause="Input must be a Neptune loader request (with 'source') or {\"loadId\": ...}",
        )
        prepare_request = sfn.Pass(
            self,
            "PrepareLoadRequest",
            parameters={
                "request.$": "$",
                "resubmit": {"count": 0, "override": {"mode": "RESUME"}},
                # A load of this source started since the execution began is this start's (a
                # redrive re-runs StartLoad with this same input).
                "attempt": {"since.$": "$$.Execution.StartTime", "previousLoadId": None},
            },
        )
        start_load = tasks.LambdaInvoke(
            self,
            "StartLoad",
            lambda_function=start_function,
            payload=sfn.TaskInput.from_object({"request.$": "$.request", "attempt.$": "$.attempt"}),
            payload_response_only=True,
            retry_on_service_exceptions=False,
            # Keep only the new id: the request is already at $.request, and a second copy of a
            # large request could push the state past 256 KiB after the load has started.
            result_selector={"loadId.$": "$.loadId"},
            result_path="$.start",
        )
        queue_full_retry = LambdaRetryPolicy(
            interval_seconds=QUEUE_FULL_INTERVAL_SECONDS,
            max_attempts=start_queue_full_retries,
            backoff_rate=2.0,
            max_delay_seconds=QUEUE_FULL_MAX_DELAY_SECONDS,
        )
        retry.apply(start_load, LAMBDA_SERVICE_ERRORS)
        START_TRANSIENT_RETRY.apply(start_load, (NEPTUNE_TRANSIENT_ERROR,))
        if start_queue_full_retries > 0:
            queue_full_retry.apply(start_load, (NEPTUNE_LOAD_QUEUE_FULL,))
        start_load.add_catch(
            start_failed(self), errors=[sfn.Errors.ALL], result_path="$.startError"
        )

        # A load started elsewhere: no request, so it is never resubmitted. Its checks get the
        # failOnError (and errorTolerance) the input names, never a copy of the input itself
        # (a 200,000-character load id copied once more would exceed the 256 KiB state).
        watch_load = self._watch_load()

        can_resubmit: sfn.Choice | None = None
        if max_resubmits > 0:
            can_resubmit = sfn.Choice(self, "CanResubmit")
        self.poller = LoadStatusPoller(
            self,
            "Poller",
            status_function=status_function,
            load_id_path="$.start.loadId",
            load_request_path="$.request",
            result_path="$.loadStatus",
            max_checks=poll.max_checks,
            max_total_wait=Duration.seconds(poll.max_total_wait_seconds),
            max_consecutive_retries=poll.max_consecutive_retries,
            initial_wait=Duration.seconds(poll.initial_wait_seconds),
            on_resumable_failure=can_resubmit,
            lambda_retry=retry,
        )
        if can_resubmit is not None:
            prepare_resubmit = sfn.Pass(
                self,
                "PrepareResubmit",
                comment="Same request with mode RESUME: Neptune skips the files already loaded",
                parameters={
                    "request.$": "States.JsonMerge($.request, $.resubmit.override, false)",
                    "resubmit": {
                        "count.$": "States.MathAdd($.resubmit.count, 1)",
                        "override.$": "$.resubmit.override",
                    },
                    # The failure being retried: the Cause if the resubmission fails too.
                    "previous.$": "$.loadStatus",
                    # Only a load started after this point, and never the failed one, is the
                    # resubmission's (a retry or a redrive of StartLoad keeps this input).
                    "attempt": {
                        "since.$": "$$.State.EnteredTime",
                        "previousLoadId.$": "$.start.loadId",
                    },
                },
            )
            prepare_resubmit.next(start_load)
            can_resubmit.when(
                sfn.Condition.not_(sfn.Condition.is_present("$.resubmit.count")),
                self.poller.load_failed,
            ).when(
                sfn.Condition.number_less_than("$.resubmit.count", max_resubmits),
                prepare_resubmit,
            ).otherwise(self.poller.load_failed)

        route_input = (
            sfn.Choice(self, "RouteInput")
            .when(sfn.Condition.is_present("$.source"), prepare_request)
            .when(sfn.Condition.is_present("$.loadId"), watch_load)
            .otherwise(invalid_input)
        )
        prepare_request.next(start_load).next(self.poller)
        watch_load.next(self.poller)
        self.poller.next(sfn.Succeed(self, "Succeeded", output_path="$.loadStatus"))

        self.max_history_events = workflow_history_events(
            max_checks=poll.max_checks,
            max_resubmits=max_resubmits,
            start_queue_full_retries=start_queue_full_retries,
            lambda_retry_attempts=retry.max_attempts,
        )
        if self.max_history_events > HISTORY_EVENT_LIMIT:
            # Settings refuse this first, naming their context keys; this names the props.
            raise ValueError(
                f"poll.max_checks={poll.max_checks} with max_resubmits={max_resubmits} allow up "
                f"to {self.max_history_events} history events per execution, over the Step "
                f"Functions limit of {HISTORY_EVENT_LIMIT}: lower poll.max_checks or max_resubmits"
            )

        self.state_machine, self.log_group = logged_state_machine(
            self,
            start=route_input,
            comment="Start or watch a Neptune bulk load until it ends",
            timeout=timeout,
            log_retention=log_retention,
            invoked=(status_function, start_function),
            invoked_reason="this workflow's two functions",
        )

    def _watch_load(self) -> sfn.Chain:
        """The Passes that put a watched load's id at ``$.start`` and its options at
        ``$.request`` (classic JSONPath has no defaults: one Pass per combination present)."""

        def watch(name: str, request: dict[str, str]) -> sfn.Pass:
            return sfn.Pass(
                self,
                name,
                comment="A load started elsewhere: no request, so it is never resubmitted",
                parameters={"start": {"loadId.$": "$.loadId"}, "request": request},
            )

        plain = watch("WatchExistingLoad", {})
        with_fail_on_error = watch("WatchWithFailOnError", {"failOnError.$": "$.failOnError"})
        with_tolerance = watch(
            "WatchWithErrorTolerance",
            {"failOnError.$": "$.failOnError", "errorTolerance.$": "$.errorTolerance"},
        )
        has = sfn.Condition.is_present
        choose = (
            sfn.Choice(self, "WatchOptions")
            .when(sfn.Condition.and_(has("$.failOnError"), has("$.errorTolerance")), with_tolerance)
            .when(has("$.failOnError"), with_fail_on_error)
            .otherwise(plain)
        )
        return sfn.Chain.custom(choose, [plain, with_fail_on_error, with_tolerance], plain)
