"""The deployed ASL: payloads, retries, bounds, Fail states, resubmission, validators."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_

from infrastructure.constructs.bulk_load_workflow import BulkLoadWorkflow
from infrastructure.constructs.load_status_poller import (
    LAMBDA_SERVICE_ERRORS,
    LoadStatusPoller,
)
from infrastructure.definition import (
    DefinitionError,
    find_functions,
    load_template,
    placeholder_arns,
    resolve_definition,
)
from infrastructure.settings import PollSettings, SettingsError
from tests.infrastructure.conftest import START_ARN, STATUS_ARN

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

    from infrastructure.settings import Settings
    from infrastructure.stacks.bulk_load_stack import BulkLoadStack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_ERRORS = {
    "NeptuneLoadFailed",
    "NeptuneLoadTimedOut",
    "NeptuneStatusUnavailable",
    "InvalidInput",
}


def _states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(definition["States"])


def _walk(node: Any) -> list[Any]:
    """Every dict key and string value in ``node``."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(key)
            found.extend(_walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_walk(item))
    else:
        found.append(node)
    return found


def test_definition_is_classic_jsonpath(definition: dict[str, Any]) -> None:
    tokens = [str(token) for token in _walk(definition)]
    assert "QueryLanguage" not in tokens
    assert "Assign" not in tokens
    assert not any("{%" in token for token in tokens), "no JSONata expressions"


def test_status_check_sends_the_load_id_counters_mark_and_budget(
    definition: dict[str, Any], settings: Settings
) -> None:
    check = _states(definition)["CheckLoadStatus"]
    assert check["Resource"] == STATUS_ARN
    assert check["Parameters"] == {
        "loadId.$": "$.start.loadId",
        # The load's request (or a watched load's options): failOnError, errorTolerance.
        "loadRequest.$": "$.request",
        "checks.$": "$.poll.checks",
        "consecutiveRetries.$": "$.poll.consecutiveRetries",
        "progressMark.$": "$.poll.progressMark",
        "estimate.$": "$.poll.estimate",
        # The seconds waited as CountCheck will store them: the wait just done included.
        "waitedSeconds.$": "States.MathAdd($.poll.waitedSeconds, $.poll.nextWaitSeconds)",
        "maxChecks": settings.poll.max_checks,
        "maxTotalWaitSeconds": settings.poll.max_total_wait_seconds,
    }
    assert check["ResultPath"] == "$.loadStatus"


def test_progress_mark_starts_empty_moves_on_checks_and_survives_retries(
    definition: dict[str, Any],
) -> None:
    states = _states(definition)
    assert states["StartPolling"]["Parameters"]["progressMark"] == {"finishedFeeds": 0, "seenAt": 0}
    assert states["CountCheck"]["Parameters"]["progressMark.$"] == "$.loadStatus.progressMark"
    assert states["CountRetry"]["Parameters"]["progressMark.$"] == "$.poll.progressMark"
    # The estimate travels the same way: not read yet, then the last readable check's.
    assert states["StartPolling"]["Parameters"]["estimate"] == {"basis": "FEEDS_ONLY"}
    assert states["CountCheck"]["Parameters"]["estimate.$"] == "$.loadStatus.estimate"
    assert states["CountRetry"]["Parameters"]["estimate.$"] == "$.poll.estimate"
    # Both counters keep every other field of $.poll.
    for name in ("CountCheck", "CountRetry"):
        assert {key.removesuffix(".$") for key in states[name]["Parameters"]} == {
            "checks", "waitedSeconds", "consecutiveRetries", "nextWaitSeconds", "progressMark",
            "estimate",
        }  # fmt: skip
    # The load id is read where the workflow put it, never copied into $.poll.
    assert "loadId.$" not in states["StartPolling"]["Parameters"]


def test_lambda_tasks_retry_only_lambda_service_errors_with_jitter(
    definition: dict[str, Any],
) -> None:
    tasks = {name: s for name, s in _states(definition).items() if s["Type"] == "Task"}
    assert set(tasks) == {"CheckLoadStatus", "StartLoad"}
    for task in tasks.values():
        lambda_retry = task["Retry"][0]
        assert lambda_retry["ErrorEquals"] == list(LAMBDA_SERVICE_ERRORS)
        assert lambda_retry["JitterStrategy"] == "FULL"
        assert lambda_retry["BackoffRate"] > 1
        assert lambda_retry["MaxDelaySeconds"] >= lambda_retry["IntervalSeconds"]
        for retrier in task["Retry"]:
            assert "States.ALL" not in retrier["ErrorEquals"]
    start_transient = tasks["StartLoad"]["Retry"][1]
    assert start_transient["ErrorEquals"] == ["NeptuneTransientError"]
    assert start_transient["JitterStrategy"] == "FULL"
    assert 1 <= start_transient["MaxAttempts"] <= 5


def test_check_errors_end_in_named_fail_states(definition: dict[str, Any]) -> None:
    states = _states(definition)
    catches = {c["ErrorEquals"][0]: c for c in states["CheckLoadStatus"]["Catch"]}
    assert list(catches) == ["InvalidInputError", "States.ALL"]

    def fail_after(name: str) -> dict[str, Any]:
        describe = states[name]
        assert describe["Type"] == "Pass"
        assert describe["Parameters"]["cause.$"].startswith("States.JsonToString(")
        return states[describe["Next"]]

    assert fail_after(catches["InvalidInputError"]["Next"])["Error"] == "InvalidInput"
    # Any other Lambda error: the cause gathers the load id with the error and the counters.
    collect = states[catches["States.ALL"]["Next"]]
    assert collect["Parameters"] == {"loadId.$": "$.start.loadId", "poll.$": "$.poll"}
    assert fail_after(collect["Next"])["Error"] == "NeptuneStatusUnavailable"


def test_start_errors_map_to_contract_errors(definition: dict[str, Any]) -> None:
    states = _states(definition)
    start = states["StartLoad"]
    assert start["Resource"] == START_ARN
    # The request, and the attempt that lets the Lambda adopt a load an earlier try started.
    assert start["Parameters"] == {"request.$": "$.request", "attempt.$": "$.attempt"}
    (catch,) = start["Catch"]
    assert (catch["ErrorEquals"], catch["ResultPath"]) == (["States.ALL"], "$.startError")
    route = states[catch["Next"]]
    # A failed resubmission goes first to the exit that keeps the original failure (issue 11).
    resubmit_failed = route["Choices"][0]
    assert resubmit_failed == {
        "Variable": "$.previous",
        "IsPresent": True,
        "Next": "CollectResubmitFailure",
    }
    targets = {c["StringEquals"]: states[c["Next"]]["Error"] for c in route["Choices"][1:]}
    assert targets == {
        "InvalidInputError": "InvalidInput",
        "NeptuneRequestRejected": "NeptuneLoadFailed",
        "NeptuneLoadQueueFull": "NeptuneLoadFailed",
    }
    assert states[route["Default"]]["Error"] == "NeptuneStatusUnavailable"
    for choice in route["Choices"][1:]:
        assert choice["Variable"] == "$.startError.Error"


def test_a_failed_resubmission_keeps_the_original_failure_in_the_cause(
    definition: dict[str, Any],
) -> None:
    states = _states(definition)
    resubmit = states["PrepareResubmit"]["Parameters"]
    assert resubmit["previous.$"] == "$.loadStatus"
    assert resubmit["attempt"] == {
        "since.$": "$$.State.EnteredTime",
        "previousLoadId.$": "$.start.loadId",
    }
    collect = states["CollectResubmitFailure"]
    assert collect["Parameters"] == {
        "failure.$": "$.previous",
        "start": {"resubmitError.$": "$.startError"},
    }
    describe = states[collect["Next"]]
    assert describe["Parameters"]["cause.$"] == (
        "States.JsonToString(States.JsonMerge($.failure, $.start, false))"
    )
    assert states[describe["Next"]] == {
        "Type": "Fail",
        "Error": "NeptuneLoadFailed",
        "CausePath": "$.cause",
    }


def test_a_full_queue_is_waited_out_within_the_declared_bound(
    definition: dict[str, Any], settings: Settings
) -> None:
    retriers = {r["ErrorEquals"][0]: r for r in _states(definition)["StartLoad"]["Retry"]}
    queue_full = retriers["NeptuneLoadQueueFull"]
    assert queue_full["MaxAttempts"] == settings.start_queue_full_retries
    assert queue_full["IntervalSeconds"] >= 60
    assert queue_full["JitterStrategy"] == "FULL"


def test_fail_states_use_contract_errors_and_plain_cause_paths(definition: dict[str, Any]) -> None:
    fails = [s for s in _states(definition).values() if s["Type"] == "Fail"]
    assert {f["Error"] for f in fails} == CONTRACT_ERRORS
    for fail in fails:
        assert "Cause" in fail or "CausePath" in fail
        if "CausePath" in fail:
            assert fail["CausePath"].startswith("$.")
            assert "States." not in fail["CausePath"], "no intrinsic inside CausePath"


def test_load_failure_cause_is_the_json_of_the_last_status(definition: dict[str, Any]) -> None:
    states = _states(definition)
    route = states["RouteOnState"]
    failed = [
        c
        for c in route["Choices"]
        if c.get("Variable") == "$.loadStatus.state" and c.get("StringEquals") == "FAILED"
    ]
    (describe_name,) = [c["Next"] for c in failed]
    describe = states[describe_name]
    assert describe["Parameters"] == {"cause.$": "States.JsonToString($.loadStatus)"}
    assert "ResultPath" not in describe  # replaces the state: nothing large is copied again
    fail = states[describe["Next"]]
    assert fail == {"Type": "Fail", "Error": "NeptuneLoadFailed", "CausePath": "$.cause"}


def test_loop_is_bounded_by_checks_total_wait_and_consecutive_retries(
    definition: dict[str, Any], settings: Settings
) -> None:
    states = _states(definition)
    bounds = {
        c["Variable"]: (c["NumericGreaterThanEquals"], states[c["Next"]])
        for c in states["WithinBounds"]["Choices"]
    }
    assert bounds["$.poll.checks"][0] == settings.poll.max_checks
    assert bounds["$.poll.waitedSeconds"][0] == settings.poll.max_total_wait_seconds
    assert bounds["$.poll.consecutiveRetries"][0] == settings.poll.max_consecutive_retries
    fails = {variable: states[s["Next"]]["Error"] for variable, (_, s) in bounds.items()}
    assert fails == {
        "$.poll.checks": "NeptuneLoadTimedOut",
        "$.poll.waitedSeconds": "NeptuneLoadTimedOut",
        "$.poll.consecutiveRetries": "NeptuneStatusUnavailable",
    }
    assert states["WithinBounds"]["Default"] == "WaitBeforeCheck"
    assert states["WaitBeforeCheck"]["SecondsPath"] == "$.poll.nextWaitSeconds"
    assert states["StartPolling"]["Parameters"]["nextWaitSeconds"] == (
        settings.poll.initial_wait_seconds
    )
    count_retry = states["CountRetry"]["Parameters"]
    assert count_retry["consecutiveRetries.$"] == "States.MathAdd($.poll.consecutiveRetries, 1)"
    assert states["CountCheck"]["Parameters"]["consecutiveRetries"] == 0
    assert definition["TimeoutSeconds"] == settings.workflow_timeout_seconds


def test_a_refused_status_read_ends_at_once_as_status_unavailable(
    definition: dict[str, Any],
) -> None:
    states = _states(definition)
    (refused,) = [
        c
        for c in states["RouteOnState"]["Choices"]
        if c.get("Variable") == "$.loadStatus.state" and c.get("StringEquals") == "UNAVAILABLE"
    ]
    describe = states[refused["Next"]]
    assert describe["Parameters"] == {"cause.$": "States.JsonToString($.loadStatus)"}
    assert "ResultPath" not in describe
    assert states[describe["Next"]] == {
        "Type": "Fail",
        "Error": "NeptuneStatusUnavailable",
        "CausePath": "$.cause",
    }


def test_unknown_states_are_not_treated_as_running(definition: dict[str, Any]) -> None:
    states = _states(definition)
    route = states["RouteOnState"]
    default = states[route["Default"]]
    assert states[default["Next"]]["Error"] == "NeptuneStatusUnavailable"


def test_retryable_failures_are_resubmitted_with_resume_a_bounded_number_of_times(
    definition: dict[str, Any], settings: Settings
) -> None:
    states = _states(definition)
    assert states["PrepareLoadRequest"]["Parameters"]["resubmit"] == {
        "count": 0,
        "override": {"mode": "RESUME"},
    }
    can_resubmit = states["CanResubmit"]
    (bound,) = [c for c in can_resubmit["Choices"] if "NumericLessThan" in c]
    assert bound["NumericLessThan"] == settings.max_resubmits
    resubmit = states[bound["Next"]]
    assert resubmit["Parameters"]["request.$"] == (
        "States.JsonMerge($.request, $.resubmit.override, false)"
    )
    assert resubmit["Next"] == "StartLoad"
    assert states[can_resubmit["Default"]]["Next"] == "NeptuneLoadFailed"


def test_input_routing_and_success_output(definition: dict[str, Any]) -> None:
    states = _states(definition)
    assert definition["StartAt"] == "RouteInput"
    route = states["RouteInput"]
    assert [c["Variable"] for c in route["Choices"]] == ["$.source", "$.loadId"]
    assert states[route["Default"]]["Error"] == "InvalidInput"
    assert route["Choices"][1]["Next"] == "WatchOptions"
    watch = states["WatchOptions"]
    assert states[watch["Default"]] == {
        "Type": "Pass",
        "Comment": "A load started elsewhere: no request, so it is never resubmitted",
        "Parameters": {"start": {"loadId.$": "$.loadId"}, "request": {}},
        "Next": "StartPolling",
    }
    # A watched load's options reach its checks; the input itself is never copied.
    assert [states[c["Next"]]["Parameters"]["request"] for c in watch["Choices"]] == [
        {"failOnError.$": "$.failOnError", "errorTolerance.$": "$.errorTolerance"},
        {"failOnError.$": "$.failOnError"},
    ]
    assert states["StartLoad"]["ResultSelector"] == {"loadId.$": "$.loadId"}
    assert states["StartLoad"]["ResultPath"] == "$.start"
    assert states["Succeeded"] == {"Type": "Succeed", "OutputPath": "$.loadStatus"}


def test_definition_passes_asl_validator(definition: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    result = subprocess.run(
        [str(PROJECT_ROOT / "node_modules/.bin/asl-validator"), "--json-path", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_resolve_definition_refuses_unresolved_function_arns(template: Template) -> None:
    with pytest.raises(ValueError, match="cannot resolve"):
        resolve_definition(template.to_json(), {"status": STATUS_ARN})


def test_resolve_definition_accepts_logical_ids(template: Template) -> None:
    functions = find_functions(template.to_json())
    arns = {info.logical_id: f"arn:{info.role}" for info in functions.values()}
    definition = resolve_definition(template.to_json(), arns)
    assert definition["States"]["CheckLoadStatus"]["Resource"] == "arn:status"


def test_poller_rejects_max_checks_that_could_exceed_the_history_limit() -> None:
    stack = Stack(App(), "Scratch")
    function = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    with pytest.raises(ValueError, match=r"max_checks=5000 .* over the budget of 25000"):
        LoadStatusPoller(stack, "Poller", status_function=function, max_checks=5000)
    fine = LoadStatusPoller(stack, "Fine", status_function=function, max_checks=1000)
    assert fine.max_history_events <= 25_000


def test_poller_rejects_a_total_wait_its_check_budget_cannot_cover() -> None:
    # Given a check budget whose checks, even at the longest floor wait (3600 s), end before the
    # total wait: the check bound could cut off a running load
    stack = Stack(App(), "Scratch")
    function = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    with pytest.raises(ValueError, match=r"max_total_wait=.* cannot be reached within max_checks"):
        LoadStatusPoller(
            stack,
            "Poller",
            status_function=function,
            max_checks=12,
            max_total_wait=Duration.hours(11),
        )
    # 10 waits of up to an hour after the first 30 s cover 10 h 30 s
    LoadStatusPoller(
        stack,
        "Fits",
        status_function=function,
        max_checks=12,
        max_total_wait=Duration.seconds(10 * 3600 + 30),
    )


def test_synth_rejects_settings_whose_resubmits_could_exceed_the_history_limit(
    context: dict[str, Any],
) -> None:
    from app import build_app

    # A timeout long enough for four poll runs, so the history check is what fails
    too_many = context | {"workflowTimeoutSeconds": 365 * 24 * 3600}
    too_many |= {"pollMaxChecks": 1000, "maxResubmits": 3}
    # The settings name their context keys (never the constructs' Python props) ...
    with pytest.raises(SettingsError) as raised:
        build_app(App(context=too_many))
    message = str(raised.value)
    assert message.startswith(
        "context keys 'pollMaxChecks' (1000) and 'maxResubmits' (3) allow up to "
    ), message
    assert message.endswith("lower pollMaxChecks or maxResubmits")
    assert "max_checks" not in message
    assert "max_resubmits" not in message
    # ... and the construct names its own
    stack = Stack()
    function = lambda_.Function.from_function_arn(stack, "F", STATUS_ARN)
    with pytest.raises(ValueError, match=r"^poll.max_checks=1000 with max_resubmits=3 allow"):
        BulkLoadWorkflow(
            stack,
            "Workflow",
            start_function=function,
            status_function=function,
            poll=PollSettings(max_checks=1000),
            max_resubmits=3,
        )


def test_cloud_assembly_folder_reads_the_stack_template(
    synthesized: tuple[BulkLoadStack, Path], template_path: Path
) -> None:
    # Given the cloud assembly folder, as the local runner and the demo receive it
    _, outdir = synthesized
    # When the template is read through the manifest
    template = load_template(outdir)
    # Then it is the stack's template (asset folders are checked by tests/e2e, whose CLI synth
    # writes the asset metadata that an in-process synth leaves out)
    assert template == json.loads(template_path.read_text())


def test_placeholder_arns_are_named_after_logical_ids(template: Template) -> None:
    functions = find_functions(template.to_json())
    arns = placeholder_arns(functions, {"AWS::Region": "eu-west-1"})
    assert arns["status"] == (
        f"arn:aws:lambda:eu-west-1:123456789012:function:{functions['status'].logical_id}"
    )
    definition = resolve_definition(template.to_json(), arns)
    assert definition["States"]["CheckLoadStatus"]["Resource"] == arns["status"]


def test_a_folder_without_a_cloud_assembly_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="make synth"):
        load_template(tmp_path)
