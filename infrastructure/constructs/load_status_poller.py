"""A wait-and-check loop for one Neptune bulk load, as a reusable Step Functions fragment.

Chain it after any state whose output holds a load id (``status``: a NeptuneStatusFunction)::

    poller = LoadStatusPoller(self, "Poll", status_function=status, load_id_path="$.start.loadId")
    start_task.next(poller).next(sfn.Succeed(self, "Done", output_path="$.loadStatus"))

The loop is written in classic JSONPath (no JSONata, no Variables) so offline interpreters can
run it. Its counters and the progress mark of the last readable check live in the state data at
``$.poll``; the last status object sits at the result path. Three bounds end it (maximum checks,
maximum total wait, maximum consecutive ``RETRY`` results), and the checks bound is validated at
synth against the Step Functions history limit. Each check sends the loop's bounds and the seconds
waited so far, so the status Lambda's wait policy can keep the check bound from ever firing before
the total-wait bound (a legitimately running load is never cut off by the loop's check count).

Over 300 lines on purpose: one fragment whose states (check, router, counters, bounds) are read
together; its exits live in ``poller_exits``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from ..poll_limits import (
    HISTORY_EVENT_LIMIT,
    LOOP_FIXED_EVENTS,
    check_poll_bounds,
    events_per_check,
    worst_case_history_events,
)
from ..setting_declarations import (
    POLL_INITIAL_WAIT,
    POLL_MAX_CHECKS,
    POLL_MAX_CONSECUTIVE_RETRIES,
    POLL_MAX_TOTAL_WAIT,
)
from .neptune_functions import NeptuneStatusFunction, as_function
from .poller_exits import LoopExits, loop_exits
from .state_errors import (
    LAMBDA_INVALID_INPUT_ERROR,
    LAMBDA_SERVICE_ERRORS,
    LambdaRetryPolicy,
)

if TYPE_CHECKING:
    from constructs import Construct

# The deployment settings' defaults, for a poller built without them.
DEFAULT_MAX_TOTAL_WAIT = Duration.seconds(POLL_MAX_TOTAL_WAIT.default)
DEFAULT_INITIAL_WAIT = Duration.seconds(POLL_INITIAL_WAIT.default)


class LoadStatusPoller(sfn.StateMachineFragment):
    """Wait, check the load status with the status Lambda, and decide; repeat within bounds.

    Outcomes: ``SUCCEEDED`` leaves through the fragment's end state (chain what follows with
    ``.next``); ``FAILED`` with ``retryable: true`` goes to ``on_resumable_failure`` when given;
    ``UNAVAILABLE`` (the status read was refused) ends at once in ``NeptuneStatusUnavailable``;
    everything else ends in a Fail state whose ``Error`` is one of the contract's names and whose
    ``Cause`` is the JSON of the last status object (or of ``$.poll`` with the Lambda error).
    With ``load_request_path``, each check also sends the object there as ``loadRequest`` (the
    status Lambda reads its ``failOnError`` and ``errorTolerance``).

    ``status_function``: a :class:`NeptuneStatusFunction` (wired to its cluster by construction)
    or a function built elsewhere that runs the same handler.

    Attributes
    ----------
    load_failed
        The state that reports a failed load; route a refused resubmission here.
    events_per_check
        Worst-case history events of one loop iteration (Lambda retries included).
    max_history_events
        Worst-case history events of one run of the fragment.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        status_function: NeptuneStatusFunction | lambda_.IFunction,
        load_id_path: str = "$.loadId",
        load_request_path: str | None = None,
        result_path: str = "$.loadStatus",
        max_checks: int = POLL_MAX_CHECKS.default,
        max_total_wait: Duration = DEFAULT_MAX_TOTAL_WAIT,
        max_consecutive_retries: int = POLL_MAX_CONSECUTIVE_RETRIES.default,
        initial_wait: Duration = DEFAULT_INITIAL_WAIT,
        on_resumable_failure: sfn.IChainable | None = None,
        state_id_prefix: str = "",
        lambda_retry: LambdaRetryPolicy | None = None,
        history_event_budget: int = HISTORY_EVENT_LIMIT,
    ) -> None:
        super().__init__(scope, construct_id)
        total_wait = int(max_total_wait.to_seconds())
        first_wait = int(initial_wait.to_seconds())
        check_poll_bounds(max_checks, max_consecutive_retries, total_wait, first_wait)
        for name, path in (("load_id_path", load_id_path), ("result_path", result_path)):
            if not path.startswith("$.") or path.startswith("$.poll"):
                raise ValueError(f"{name} must be a JSONPath like '$.x' outside '$.poll': {path}")
        retry = lambda_retry or LambdaRetryPolicy()
        self._prefix = state_id_prefix
        self._result_path = result_path
        self._count_history_events(max_checks, 1 + retry.max_attempts, history_event_budget)

        exits = loop_exits(
            self, prefix=self._prefix, result_path=result_path, load_id_path=load_id_path
        )
        self.load_failed: sfn.State = exits.load_failed
        start = self._start_polling(first_wait)
        wait = sfn.Wait(
            self,
            f"{self._prefix}WaitBeforeCheck",
            time=sfn.WaitTime.seconds_path("$.poll.nextWaitSeconds"),
        )
        check = self._check(
            as_function(status_function),
            load_id_path,
            load_request_path,
            max_checks=max_checks,
            total_wait=total_wait,
        )
        retry.apply(check, LAMBDA_SERVICE_ERRORS)
        check.add_catch(
            exits.invalid_input, errors=[LAMBDA_INVALID_INPUT_ERROR], result_path="$.poll.error"
        )
        check.add_catch(exits.check_error, errors=[sfn.Errors.ALL], result_path="$.poll.error")
        count_progress, count_retry = self._counters()
        within_bounds = self._within_bounds(
            exits,
            wait,
            max_checks=max_checks,
            total_wait=total_wait,
            max_consecutive_retries=max_consecutive_retries,
        )
        count_progress.next(within_bounds)
        count_retry.next(within_bounds)
        route = self._router(exits, count_progress, count_retry, on_resumable_failure)
        start.next(wait).next(check).next(route)
        self._start = start

    @property
    def start_state(self) -> sfn.State:
        """The first state: it resets ``$.poll`` from the load id path."""
        return self._start

    @property
    def end_states(self) -> list[sfn.INextable]:
        """The success exit: the load completed; the status object is at the result path."""
        return [self._succeeded]

    def _count_history_events(self, max_checks: int, check_attempts: int, budget: int) -> None:
        """Set the worst-case history events; refuse a check bound that could exceed ``budget``."""
        self.events_per_check = events_per_check(check_attempts)
        self.max_history_events = worst_case_history_events(
            max_checks=max_checks, check_attempts=check_attempts
        )
        if self.max_history_events > budget:
            raise ValueError(
                f"max_checks={max_checks} allows up to {self.max_history_events} history events "
                f"({self.events_per_check} per check with Lambda retries), over the budget of "
                f"{budget} (Step Functions stops an execution at "
                f"{HISTORY_EVENT_LIMIT}); lower max_checks to at most "
                f"{(budget - LOOP_FIXED_EVENTS) // self.events_per_check}"
            )

    def _start_polling(self, first_wait: int) -> sfn.Pass:
        """The Pass that resets ``$.poll`` for a new load id."""
        return sfn.Pass(
            self,
            f"{self._prefix}StartPolling",
            comment="Reset the loop counters for this load id",
            # The load id stays where the caller put it (load_id_path) and is not copied here:
            # an oversized input must reach the status Lambda's InvalidInputError, not
            # States.DataLimitExceeded.
            parameters={
                "checks": 0,
                "waitedSeconds": 0,
                "consecutiveRetries": 0,
                "nextWaitSeconds": first_wait,
                # No file has finished yet; the status Lambda moves the mark as files finish.
                "progressMark": {"finishedFeeds": 0, "seenAt": 0},
                # The source has not been read yet; the first running check reads it once (when
                # source estimates are on) and the loop carries its totals from then on.
                "estimate": {"basis": "FEEDS_ONLY"},
            },
            result_path="$.poll",
        )

    def _check(
        self,
        status_function: lambda_.IFunction,
        load_id_path: str,
        load_request_path: str | None,
        *,
        max_checks: int,
        total_wait: int,
    ) -> tasks.LambdaInvoke:
        """The status check: sends the load id, the counters and the loop's bounds (and the
        load's request, when the loop knows it)."""
        request = (
            {"loadRequest": sfn.JsonPath.object_at(load_request_path)}
            if load_request_path is not None
            else {}
        )
        return tasks.LambdaInvoke(
            self,
            f"{self._prefix}CheckLoadStatus",
            lambda_function=status_function,
            payload=sfn.TaskInput.from_object(
                {
                    "loadId": sfn.JsonPath.string_at(load_id_path),
                    **request,
                    "checks": sfn.JsonPath.number_at("$.poll.checks"),
                    "consecutiveRetries": sfn.JsonPath.number_at("$.poll.consecutiveRetries"),
                    "progressMark": sfn.JsonPath.object_at("$.poll.progressMark"),
                    "estimate": sfn.JsonPath.object_at("$.poll.estimate"),
                    # What CountCheck will store: the wait just done included.
                    "waitedSeconds": sfn.JsonPath.math_add(
                        sfn.JsonPath.number_at("$.poll.waitedSeconds"),
                        sfn.JsonPath.number_at("$.poll.nextWaitSeconds"),
                    ),
                    "maxChecks": max_checks,
                    "maxTotalWaitSeconds": total_wait,
                }
            ),
            payload_response_only=True,
            retry_on_service_exceptions=False,
            result_path=self._result_path,
        )

    def _count(self, name: str, carried: dict[str, object]) -> sfn.Pass:
        """A Pass that advances ``$.poll`` after a non-terminal status; ``carried`` sets the
        retry counter and the progress mark."""
        return sfn.Pass(
            self,
            f"{self._prefix}{name}",
            parameters={
                "checks.$": "States.MathAdd($.poll.checks, 1)",
                "waitedSeconds.$": "States.MathAdd($.poll.waitedSeconds, $.poll.nextWaitSeconds)",
                **carried,
                "nextWaitSeconds.$": f"{self._result_path}.nextWaitSeconds",
            },
            result_path="$.poll",
        )

    def _counters(self) -> tuple[sfn.Pass, sfn.Pass]:
        """The Passes that count a check: one after progress, one after a ``RETRY`` result."""
        count_progress = self._count(
            "CountCheck",
            {
                "consecutiveRetries": 0,
                "progressMark.$": f"{self._result_path}.progressMark",
                "estimate.$": f"{self._result_path}.estimate",
            },
        )
        # A RETRY result read nothing (its progressMark and estimate are null): keep ours.
        count_retry = self._count(
            "CountRetry",
            {
                "consecutiveRetries.$": "States.MathAdd($.poll.consecutiveRetries, 1)",
                "progressMark.$": "$.poll.progressMark",
                "estimate.$": "$.poll.estimate",
            },
        )
        return count_progress, count_retry

    def _within_bounds(
        self,
        exits: LoopExits,
        wait: sfn.Wait,
        *,
        max_checks: int,
        total_wait: int,
        max_consecutive_retries: int,
    ) -> sfn.Choice:
        """End the loop at a bound, else wait again."""
        return (
            sfn.Choice(self, f"{self._prefix}WithinBounds")
            .when(
                sfn.Condition.number_greater_than_equals(
                    "$.poll.consecutiveRetries", max_consecutive_retries
                ),
                exits.unavailable,
                comment="The status could not be read this many times in a row",
            )
            .when(
                sfn.Condition.number_greater_than_equals("$.poll.checks", max_checks),
                exits.timed_out,
            )
            .when(
                sfn.Condition.number_greater_than_equals("$.poll.waitedSeconds", total_wait),
                exits.timed_out,
            )
            .otherwise(wait)
        )

    def _router(
        self,
        exits: LoopExits,
        count_progress: sfn.Pass,
        count_retry: sfn.Pass,
        on_resumable_failure: sfn.IChainable | None,
    ) -> sfn.Choice:
        """Route on the status object's ``state``: succeed, resubmit, fail, or count and loop."""
        state = f"{self._result_path}.state"
        next_wait = f"{self._result_path}.nextWaitSeconds"
        has_next_wait = sfn.Condition.and_(
            sfn.Condition.is_present(next_wait), sfn.Condition.is_numeric(next_wait)
        )
        self._succeeded = sfn.Pass(
            self, f"{self._prefix}LoadSucceeded", comment="Neptune: LOAD_COMPLETED"
        )
        route = sfn.Choice(self, f"{self._prefix}RouteOnState").when(
            sfn.Condition.string_equals(state, "SUCCEEDED"), self._succeeded
        )
        if on_resumable_failure is not None:
            route.when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals(state, "FAILED"),
                    sfn.Condition.boolean_equals(f"{self._result_path}.retryable", True),
                ),
                on_resumable_failure,
                comment="Neptune says resubmitting with mode RESUME may succeed",
            )
        route.when(sfn.Condition.string_equals(state, "FAILED"), exits.load_failed)
        route.when(
            sfn.Condition.string_equals(state, "UNAVAILABLE"),
            exits.refused,
            comment="Neptune refused the status read: checking again will not help",
        )
        route.when(
            sfn.Condition.and_(sfn.Condition.string_equals(state, "IN_PROGRESS"), has_next_wait),
            count_progress,
        )
        route.when(
            sfn.Condition.and_(sfn.Condition.string_equals(state, "RETRY"), has_next_wait),
            count_retry,
        )
        route.otherwise(exits.unavailable)
        return route
