"""A wait-and-check loop for one Neptune bulk load, as a reusable Step Functions fragment.

Chain it after any state whose output holds a load id::

    poller = LoadStatusPoller(self, "Poll", status_function=fn, load_id_path="$.start.loadId")
    start_task.next(poller).next(sfn.Succeed(self, "Done", output_path="$.loadStatus"))

The loop is written in classic JSONPath (no JSONata, no Variables) so offline interpreters can
run it. Its counters and the progress mark of the last readable check live in the state data at
``$.poll``; the last status object sits at the result path. Three bounds end it (maximum checks,
maximum total wait, maximum consecutive ``RETRY`` results), and the checks bound is validated at
synth against the Step Functions history limit. Each check sends the loop's bounds and the seconds
waited so far, so the status Lambda's wait policy can keep the check bound from ever firing before
the total-wait bound (a legitimately running load is never cut off by the loop's check count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from infrastructure.settings import MAX_FLOOR_WAIT_SECONDS, checks_cover_total_wait

if TYPE_CHECKING:
    from constructs import Construct

# Step Functions hard limit on events in one Standard execution's history.
HISTORY_EVENT_LIMIT = 25_000

# Transient errors of the Lambda service itself; retried with backoff. Function errors are not:
# the status Lambda already retries Neptune calls inside its own 10-second budget.
LAMBDA_SERVICE_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
)

# Long enough for a 24-hour load that runs late or queued (the benchmark's longest: 26.4 h plus
# 30 min in the queue) with margin.
DEFAULT_MAX_TOTAL_WAIT = Duration.hours(36)
DEFAULT_INITIAL_WAIT = Duration.seconds(30)

# Fail state errors fixed by the interface contract.
ERROR_LOAD_FAILED = "NeptuneLoadFailed"
ERROR_LOAD_TIMED_OUT = "NeptuneLoadTimedOut"
ERROR_STATUS_UNAVAILABLE = "NeptuneStatusUnavailable"
ERROR_INVALID_INPUT = "InvalidInput"

# The exception class name the Lambdas raise for bad input (the Lambda error name).
LAMBDA_INVALID_INPUT_ERROR = "InvalidInputError"

# History events: a Task adds TaskStateEntered/Exited plus Scheduled, Started and
# Succeeded/Failed/TimedOut per attempt; Pass, Wait and Choice add Entered and Exited.
EVENTS_PER_SIMPLE_STATE = 2
EVENTS_PER_TASK = 2
EVENTS_PER_LAMBDA_ATTEMPT = 3


@dataclass(frozen=True, kw_only=True)
class LambdaRetryPolicy:
    """Backoff with full jitter for Lambda service errors."""

    interval_seconds: int = 2
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int = 30

    def apply(self, task: sfn.TaskStateBase, errors: tuple[str, ...]) -> None:
        """Add this policy as one retrier for ``errors`` on ``task``."""
        task.add_retry(
            errors=list(errors),
            interval=Duration.seconds(self.interval_seconds),
            max_attempts=self.max_attempts,
            backoff_rate=self.backoff_rate,
            max_delay=Duration.seconds(self.max_delay_seconds),
            jitter_strategy=sfn.JitterType.FULL,
        )


def task_max_events(attempts: int) -> int:
    """Worst-case history events of one Lambda Task state run with ``attempts`` attempts."""
    return EVENTS_PER_TASK + EVENTS_PER_LAMBDA_ATTEMPT * attempts


def _check_bounds(
    max_checks: int, max_consecutive_retries: int, total_wait: int, first_wait: int
) -> None:
    """Refuse bounds under which the check count could end a running load before the total wait."""
    if max_checks < 3 or max_consecutive_retries < 1:
        raise ValueError("max_checks must be at least 3 and max_consecutive_retries at least 1")
    if not checks_cover_total_wait(max_checks, total_wait, first_wait):
        raise ValueError(
            f"max_total_wait={total_wait} s cannot be reached within max_checks={max_checks} "
            f"checks of at most {MAX_FLOOR_WAIT_SECONDS} s each: the check bound could "
            "cut off a running load; raise max_checks or lower max_total_wait"
        )


class LoadStatusPoller(sfn.StateMachineFragment):
    """Wait, check the load status with the status Lambda, and decide; repeat within bounds.

    Outcomes: ``SUCCEEDED`` leaves through the fragment's end state (chain what follows with
    ``.next``); ``FAILED`` with ``retryable: true`` goes to ``on_resumable_failure`` when given;
    everything else ends in a Fail state whose ``Error`` is one of the contract's names and whose
    ``Cause`` is the JSON of the last status object (or of ``$.poll`` with the Lambda error).

    Attributes
    ----------
    load_failed
        The state that reports a failed load; route a refused resubmission here.
    events_per_check
        Worst-case history events of one loop iteration (Lambda retries included).
    max_history_events
        Worst-case history events of one run of the fragment.
    """

    def __init__(  # noqa: PLR0915 - one state machine fragment, built in one place
        self,
        scope: Construct,
        construct_id: str,
        *,
        status_function: lambda_.IFunction,
        load_id_path: str = "$.loadId",
        result_path: str = "$.loadStatus",
        max_checks: int = 500,
        max_total_wait: Duration = DEFAULT_MAX_TOTAL_WAIT,
        max_consecutive_retries: int = 10,
        initial_wait: Duration = DEFAULT_INITIAL_WAIT,
        on_resumable_failure: sfn.IChainable | None = None,
        state_id_prefix: str = "",
        lambda_retry: LambdaRetryPolicy | None = None,
        history_event_budget: int = HISTORY_EVENT_LIMIT,
    ) -> None:
        super().__init__(scope, construct_id)
        total_wait = int(max_total_wait.to_seconds())
        first_wait = int(initial_wait.to_seconds())
        _check_bounds(max_checks, max_consecutive_retries, total_wait, first_wait)
        for name, path in (("load_id_path", load_id_path), ("result_path", result_path)):
            if not path.startswith("$.") or path.startswith("$.poll"):
                raise ValueError(f"{name} must be a JSONPath like '$.x' outside '$.poll': {path}")
        retry = lambda_retry or LambdaRetryPolicy()
        p = state_id_prefix

        self.events_per_check = (
            EVENTS_PER_SIMPLE_STATE  # Wait
            + task_max_events(1 + retry.max_attempts)  # status check with every retry used
            + 3 * EVENTS_PER_SIMPLE_STATE  # route on state, count, check bounds
        )
        # Entering the loop, and leaving it through a describe Pass and a Fail or end state.
        fixed_events = 3 * EVENTS_PER_SIMPLE_STATE
        self.max_history_events = fixed_events + max_checks * self.events_per_check
        if self.max_history_events > history_event_budget:
            raise ValueError(
                f"max_checks={max_checks} allows up to {self.max_history_events} history events "
                f"({self.events_per_check} per check with Lambda retries), over the budget of "
                f"{history_event_budget} (Step Functions stops an execution at "
                f"{HISTORY_EVENT_LIMIT}); lower max_checks to at most "
                f"{(history_event_budget - fixed_events) // self.events_per_check}"
            )

        # One Fail state per contract error; each reads the Cause a describe Pass prepared.
        fail_states = {
            error: sfn.Fail(self, f"{p}{error}", error=error, cause_path="$.cause")
            for error in (
                ERROR_LOAD_FAILED,
                ERROR_LOAD_TIMED_OUT,
                ERROR_STATUS_UNAVAILABLE,
                ERROR_INVALID_INPUT,
            )
        }

        def failure(
            name: str,
            error: str,
            cause_of: str,
            comment: str,
            collect: dict[str, str] | None = None,
        ) -> sfn.Pass:
            """A Pass that replaces the state with ``{"cause": <JSON of cause_of>}`` for the Fail;
            with ``collect``, a Pass before it first reduces the state to those fields.

            Replacing (no result path) rather than adding keeps an oversized input from being
            copied once more on the way out, which would end in States.DataLimitExceeded instead
            of the named Fail.
            """
            describe = sfn.Pass(
                self,
                f"{p}Describe{name}",
                comment=comment,
                parameters={"cause.$": f"States.JsonToString({cause_of})"},
            )
            describe.next(fail_states[error])
            if collect is None:
                return describe
            gather = sfn.Pass(self, f"{p}Collect{name}", parameters=collect)
            gather.next(describe)
            return gather

        load_failed = failure(
            "LoadFailure", ERROR_LOAD_FAILED, result_path, "Neptune reports a terminal failure"
        )
        timed_out = failure(
            "Timeout", ERROR_LOAD_TIMED_OUT, result_path, "Still running when a bound was reached"
        )
        unavailable = failure(
            "UnavailableStatus",
            ERROR_STATUS_UNAVAILABLE,
            result_path,
            "Too many RETRY results in a row, or a state this workflow does not know",
        )
        check_error = failure(
            "CheckError",
            ERROR_STATUS_UNAVAILABLE,
            "$",
            "The status Lambda failed (not a load failure): the load id, its error, the counters",
            collect={"loadId.$": load_id_path, "poll.$": "$.poll"},
        )
        # The Lambda's error (its message names the problem), not $.poll: the load id may be the
        # oversized value that was rejected.
        invalid_input = failure(
            "InvalidLoadId",
            ERROR_INVALID_INPUT,
            "$.poll.error",
            "The status Lambda rejected the input",
        )
        self.load_failed: sfn.State = load_failed

        start = sfn.Pass(
            self,
            f"{p}StartPolling",
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
            },
            result_path="$.poll",
        )
        wait = sfn.Wait(
            self,
            f"{p}WaitBeforeCheck",
            time=sfn.WaitTime.seconds_path("$.poll.nextWaitSeconds"),
        )
        check = tasks.LambdaInvoke(
            self,
            f"{p}CheckLoadStatus",
            lambda_function=status_function,
            payload=sfn.TaskInput.from_object(
                {
                    "loadId": sfn.JsonPath.string_at(load_id_path),
                    "checks": sfn.JsonPath.number_at("$.poll.checks"),
                    "consecutiveRetries": sfn.JsonPath.number_at("$.poll.consecutiveRetries"),
                    "progressMark": sfn.JsonPath.object_at("$.poll.progressMark"),
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
            result_path=result_path,
        )
        retry.apply(check, LAMBDA_SERVICE_ERRORS)
        check.add_catch(
            invalid_input, errors=[LAMBDA_INVALID_INPUT_ERROR], result_path="$.poll.error"
        )
        check.add_catch(check_error, errors=[sfn.Errors.ALL], result_path="$.poll.error")

        def count(name: str, carried: dict[str, object]) -> sfn.Pass:
            """A Pass that advances ``$.poll`` after a non-terminal status; ``carried`` sets the
            retry counter and the progress mark."""
            return sfn.Pass(
                self,
                f"{p}{name}",
                parameters={
                    "checks.$": "States.MathAdd($.poll.checks, 1)",
                    "waitedSeconds.$": (
                        "States.MathAdd($.poll.waitedSeconds, $.poll.nextWaitSeconds)"
                    ),
                    **carried,
                    "nextWaitSeconds.$": f"{result_path}.nextWaitSeconds",
                },
                result_path="$.poll",
            )

        count_progress = count(
            "CountCheck",
            {"consecutiveRetries": 0, "progressMark.$": f"{result_path}.progressMark"},
        )
        # A RETRY result read nothing (its progressMark is null): keep the mark we have.
        count_retry = count(
            "CountRetry",
            {
                "consecutiveRetries.$": "States.MathAdd($.poll.consecutiveRetries, 1)",
                "progressMark.$": "$.poll.progressMark",
            },
        )

        within_bounds = (
            sfn.Choice(self, f"{p}WithinBounds")
            .when(
                sfn.Condition.number_greater_than_equals(
                    "$.poll.consecutiveRetries", max_consecutive_retries
                ),
                unavailable,
                comment="The status could not be read this many times in a row",
            )
            .when(sfn.Condition.number_greater_than_equals("$.poll.checks", max_checks), timed_out)
            .when(
                sfn.Condition.number_greater_than_equals("$.poll.waitedSeconds", total_wait),
                timed_out,
            )
            .otherwise(wait)
        )
        count_progress.next(within_bounds)
        count_retry.next(within_bounds)

        state = f"{result_path}.state"
        next_wait = f"{result_path}.nextWaitSeconds"
        has_next_wait = sfn.Condition.and_(
            sfn.Condition.is_present(next_wait), sfn.Condition.is_numeric(next_wait)
        )
        self._succeeded = sfn.Pass(self, f"{p}LoadSucceeded", comment="Neptune: LOAD_COMPLETED")
        route = sfn.Choice(self, f"{p}RouteOnState").when(
            sfn.Condition.string_equals(state, "SUCCEEDED"), self._succeeded
        )
        if on_resumable_failure is not None:
            route.when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals(state, "FAILED"),
                    sfn.Condition.boolean_equals(f"{result_path}.retryable", True),
                ),
                on_resumable_failure,
                comment="Neptune says resubmitting with mode RESUME may succeed",
            )
        route.when(sfn.Condition.string_equals(state, "FAILED"), load_failed)
        route.when(
            sfn.Condition.and_(sfn.Condition.string_equals(state, "IN_PROGRESS"), has_next_wait),
            count_progress,
        )
        route.when(
            sfn.Condition.and_(sfn.Condition.string_equals(state, "RETRY"), has_next_wait),
            count_retry,
        )
        route.otherwise(unavailable)

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
