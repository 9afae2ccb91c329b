"""The batch state machine: load many sources as one batch, one verdict (docs/contract.md).

One batch-controller Lambda call per wait cycle: it sends what the queue holds, checks the loads
that can have changed and returns the wait or the verdict; the batch state (one compact record
per load) travels in the execution's JSON. docs/design.md ("Batches") has the measurements that
chose this shape over a Map or child executions.

    StartBatch -> Outcome? -> (RUNNING) WaitCycle -> CheckBatch -> Outcome? ...
                           -> (SUCCEEDED) Succeeded (output: $.result)
                           -> (FAILED) Fail NeptuneBatchFailed (Cause: $.cause)
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ..contract import ERROR_BATCH_FAILED, ERROR_INVALID_INPUT
from ..lambda_code import lambda_defaults
from ..poll_limits import HISTORY_EVENT_LIMIT, worst_case_history_events
from ..settings import PollSettings
from .logged_state_machine import logged_state_machine
from .neptune_functions import BATCH_FUNCTION_TIMEOUT_SECONDS, NeptuneBatchFunction, as_function
from .state_errors import LAMBDA_INVALID_INPUT_ERROR, LAMBDA_SERVICE_ERRORS, LambdaRetryPolicy

# Cycles a batch execution may take (declared with the Lambdas' defaults: the controller counts).
BATCH_MAX_CYCLES: int = lambda_defaults.BATCH_MAX_CYCLES


def batch_timeout(status_max_wait_seconds: int, max_cycles: int = BATCH_MAX_CYCLES) -> Duration:
    """The execution timeout that outlasts every cycle: each may wait the longest wait and run
    one controller call."""
    return Duration.seconds(max_cycles * (status_max_wait_seconds + BATCH_FUNCTION_TIMEOUT_SECONDS))


class BatchWorkflow(Construct):
    """The batch state machine with its log group.

    Parameters
    ----------
    batch_function
        The controller: a :class:`NeptuneBatchFunction`, or a function built elsewhere that runs
        the same handler.
    poll
        The controller's wait bounds (pass the function's): the default timeout outlasts
        the controller's cycle bound (``BATCH_MAX_CYCLES``) of the longest wait.
    timeout
        The execution's timeout (default: :func:`batch_timeout`).
    log_retention
        Retention of the execution log group.

    Attributes
    ----------
    state_machine
        The Standard state machine (X-Ray tracing, all events logged).
    log_group
        Its execution log group.
    max_history_events
        Worst-case history events of one execution, checked against the 25,000 limit.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        batch_function: NeptuneBatchFunction | lambda_.IFunction,
        poll: PollSettings | None = None,
        timeout: Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        lambda_retry: LambdaRetryPolicy | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        batch_function = as_function(batch_function)
        # The controller ends a batch at its own cycle bound (lambdas' defaults): the same bound
        # sets the timeout and the history check here.
        max_cycles = BATCH_MAX_CYCLES
        timeout = timeout or batch_timeout((poll or PollSettings()).status_max_wait_seconds)
        retry = lambda_retry or LambdaRetryPolicy()
        invalid = sfn.Fail(
            self, "InvalidBatch", error=ERROR_INVALID_INPUT, cause_path="$.error.Cause"
        )
        # The controller itself failed (a timeout, a bug): the loads already sent may still run.
        broken = sfn.Fail(
            self, "ControllerFailed", error=ERROR_BATCH_FAILED, cause_path="$.error.Cause"
        )
        batch_failed = sfn.Fail(self, "BatchFailed", error=ERROR_BATCH_FAILED, cause_path="$.cause")
        succeeded = sfn.Succeed(self, "Succeeded", output_path="$.result")

        def controller_call(name: str, payload: sfn.TaskInput | None) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(
                self,
                name,
                lambda_function=batch_function,
                payload=payload,  # None: the whole state
                payload_response_only=True,
                retry_on_service_exceptions=False,
                result_path="$",
            )
            retry.apply(task, LAMBDA_SERVICE_ERRORS)
            task.add_catch(invalid, errors=[LAMBDA_INVALID_INPUT_ERROR], result_path="$.error")
            task.add_catch(broken, errors=[sfn.Errors.ALL], result_path="$.error")
            return task

        start = controller_call(
            "StartBatch", sfn.TaskInput.from_object({"batch": sfn.JsonPath.entire_payload})
        )
        check = controller_call("CheckBatch", None)
        wait = sfn.Wait(self, "WaitCycle", time=sfn.WaitTime.seconds_path("$.wait"))
        outcome = (
            sfn.Choice(self, "Outcome")
            .when(sfn.Condition.string_equals("$.outcome", "SUCCEEDED"), succeeded)
            .when(sfn.Condition.string_equals("$.outcome", "FAILED"), batch_failed)
            .otherwise(wait)
        )
        start.next(outcome)
        wait.next(check).next(outcome)

        # A cycle is a Wait, a controller call and a Choice: the poll loop's per-check bound
        # (Wait, Task, three simple states) covers it with room to spare.
        self.max_history_events = worst_case_history_events(
            max_checks=max_cycles, check_attempts=1 + retry.max_attempts
        )
        if self.max_history_events > HISTORY_EVENT_LIMIT:
            raise ValueError(
                f"BATCH_MAX_CYCLES={max_cycles} allows up to {self.max_history_events} history events "
                f"per batch execution, over the Step Functions limit of {HISTORY_EVENT_LIMIT}"
            )
        self.state_machine, self.log_group = logged_state_machine(
            self,
            start=start,
            comment="Load many sources as one batch: order, dependencies, the queue, one verdict",
            timeout=timeout,
            log_retention=log_retention,
            invoked=(batch_function,),
            invoked_reason="the batch controller",
        )
