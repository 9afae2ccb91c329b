"""The poll-loop model (``neptune_loader.poll_loop``) agrees with the synthesized state machine.

Each scenario runs the synthesized workflow with the local runner against the emulator and
records, at every check, the ``$.poll`` state ``CheckLoadStatus`` entered with, the event it sent
and the status it got back. Replaying those statuses through the model must give the same
``$.poll`` (counters, waited seconds, next wait, progress mark), the same events, the same waits
and the same ending.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from bench.workflow import loop_cost
from neptune_loader.poll_loop import PollState, step
from tests.e2e.test_e2e_workflow import run_scenario

if TYPE_CHECKING:
    from loadctl.runner import ExecutionResult
    from loadctl.runner.cdk_out import SynthesizedWorkflow

CHECK_STATE = "CheckLoadStatus"
# The model's ending -> how the execution ends (its status, and the Fail state's error).
EXECUTION_ENDINGS = {
    "SUCCEEDED": ("SUCCEEDED", None),
    "FAILED": ("FAILED", "NeptuneLoadFailed"),
    "TIMED_OUT": ("FAILED", "NeptuneLoadTimedOut"),
    "UNAVAILABLE": ("FAILED", "NeptuneStatusUnavailable"),
}


def recorded_checks(result: ExecutionResult) -> list[tuple[dict[str, Any], Any, Any]]:
    """Per check: the ``$.poll`` CheckLoadStatus entered with, the event sent, the status."""
    polls = [
        json.loads(event["stateEnteredEventDetails"]["input"])["poll"]
        for event in result.events
        if event["type"] == "TaskStateEntered"
        and event["stateEnteredEventDetails"]["name"] == CHECK_STATE
    ]
    calls = [r for r in result.invocations if r.handler.startswith("loader_status.")]
    assert len(polls) == len(calls) > 0
    assert not any(call.errored for call in calls)
    return [(poll, call.event, call.result) for poll, call in zip(polls, calls, strict=True)]


# throttled: RETRY keeps the mark, then success; queued: no progress for a while; timeout and
# unavailable: the total-wait and consecutive-RETRY bounds.
@pytest.mark.parametrize("scenario", ["throttled", "queued", "timeout", "unavailable"])
def test_model_replays_the_synthesized_loop_check_by_check(
    synthesized: SynthesizedWorkflow, scenario: str
) -> None:
    # Given a recorded run of the synthesized workflow, and the loop's bounds and first wait
    # as the definition holds them
    result, execution_input = run_scenario(synthesized, scenario)
    # The workflow's $.request: the loader request it started, or a watched load's options.
    request = execution_input if "source" in execution_input else {}
    cost = loop_cost(synthesized.definition)
    bounds = cost.bounds
    assert bounds is not None
    assert bounds.max_consecutive_retries is not None
    checks = recorded_checks(result)
    load_id = checks[0][1]["loadId"]
    # When its statuses are replayed through the model
    poll, ending = PollState.start(cost.initial_wait_seconds), None
    waits: list[float] = []
    for recorded_poll, recorded_event, status in checks:
        assert ending is None, "the model ended the loop before the workflow did"
        # Then the model holds the same $.poll and sends the same event at every check
        assert poll.as_json() == recorded_poll
        assert poll.check_event(load_id, bounds, request) == recorded_event
        waits.append(poll.next_wait_seconds)
        poll, ending = step(poll, status, bounds)
    # ... waits as long, and ends the loop where and as the workflow did
    assert waits == result.waits
    assert ending is not None
    assert (result.status, result.error) == EXECUTION_ENDINGS[ending]
