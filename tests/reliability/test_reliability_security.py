"""Security properties of the synthesized stack and of what the functions log.

- IAM: no wildcard action anywhere, no Neptune action on a wildcard resource, and each function
  holds exactly the Neptune actions it needs (the status function only GetLoaderJobStatus).
- Network: the Lambdas' security group lets them out only to the Neptune port.
- Logs: a captured run (success, failure, throttling, access denied, a start) never shows
  credentials, signatures, authorization headers or the payloads themselves.
"""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from reliability_support import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, SynthesizedApp

from loadctl.emulator import Fault
from loader_status import handler as status_module
from start_loader import handler as start_module

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from loadctl.emulator import NeptuneLoaderEmulator

NEPTUNE_ACTIONS = {
    "loader_status.handler.handler": {"neptune-db:GetLoaderJobStatus"},
    # Listing and reading loads: a start whose answer was lost finds its load (issue 11).
    "start_loader.handler.handler": {
        "neptune-db:StartLoaderJob",
        "neptune-db:ListLoaderJobs",
        "neptune-db:GetLoaderJobStatus",
    },
}
NEPTUNE_PORT = 8182
# What must never appear in a log line.
SECRETS = (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    "Authorization",
    "AWS4-HMAC-SHA256",
    "Signature=",
    "X-Amz-Security-Token",
    "x-amz-security-token",
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement in the template, with the logical id that holds it."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(properties["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents.extend(policy["PolicyDocument"] for policy in properties.get("Policies", []))
        for document in documents:
            for statement in document["Statement"]:
                yield logical_id, statement


def _role_of_function(template: dict[str, Any], handler: str) -> str:
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function" and (
            resource["Properties"]["Handler"] == handler
        ):
            return str(resource["Properties"]["Role"]["Fn::GetAtt"][0])
    raise AssertionError(f"no function with handler {handler}")


def _neptune_actions_of_role(template: dict[str, Any], role: str) -> set[str]:
    actions: set[str] = set()
    for logical_id, statement in _statements(template):
        resource = template["Resources"][logical_id]
        roles = resource.get("Properties", {}).get("Roles", [])
        if logical_id == role or {"Ref": role} in roles:
            actions |= {a for a in _as_list(statement["Action"]) if a.startswith("neptune-db:")}
    return actions


def test_no_iam_statement_has_a_wildcard_action(synthesized_app: SynthesizedApp) -> None:
    statements = list(_statements(synthesized_app.template))
    assert statements  # the check has something to check
    for logical_id, statement in statements:
        for action in _as_list(statement.get("Action", [])):
            assert action != "*", logical_id
            assert not action.endswith(":*"), (logical_id, action)
        assert "NotAction" not in statement, logical_id


def test_neptune_actions_never_apply_to_a_wildcard_resource(
    synthesized_app: SynthesizedApp,
) -> None:
    neptune = [
        (logical_id, statement)
        for logical_id, statement in _statements(synthesized_app.template)
        if any(str(a).startswith("neptune-db:") for a in _as_list(statement["Action"]))
    ]
    assert neptune
    for logical_id, statement in neptune:
        for resource in _as_list(statement["Resource"]):
            text = json.dumps(resource)
            assert resource != "*", logical_id
            # scoped to this cluster's resource id (cluster-RESOURCEID/*), the narrowest IAM offers
            assert "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*" in text, (logical_id, text)
            assert "neptune-db" in text


def test_each_function_holds_exactly_the_neptune_actions_it_needs(
    synthesized_app: SynthesizedApp,
) -> None:
    template = synthesized_app.template
    everywhere = {
        action
        for _, statement in _statements(template)
        for action in _as_list(statement["Action"])
        if action.startswith("neptune-db:")
    }
    assert everywhere == set().union(*NEPTUNE_ACTIONS.values())
    for handler, actions in NEPTUNE_ACTIONS.items():
        role = _role_of_function(template, handler)
        assert _neptune_actions_of_role(template, role) == actions, handler


def test_lambda_egress_is_only_the_neptune_port(synthesized_app: SynthesizedApp) -> None:
    resources = synthesized_app.template["Resources"]
    groups = {
        str(group["Fn::GetAtt"][0])
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
        for group in resource["Properties"]["VpcConfig"]["SecurityGroupIds"]
    }
    assert len(groups) == 1
    (group_id,) = groups
    egress = list(resources[group_id]["Properties"].get("SecurityGroupEgress", []))
    egress += [
        resource["Properties"]
        for resource in resources.values()
        if resource["Type"] == "AWS::EC2::SecurityGroupEgress"
        and resource["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    assert egress
    for rule in egress:
        if rule.get("Description", "").startswith("Disallow all traffic"):
            # CDK's placeholder for "no egress": 255.255.255.255/32, ICMP 252-86, matches nothing
            assert rule["CidrIp"] == "255.255.255.255/32"
            continue
        assert rule["IpProtocol"] == "tcp"
        assert (rule["FromPort"], rule["ToPort"]) == (NEPTUNE_PORT, NEPTUNE_PORT)
        assert "CidrIp" not in rule
        assert "CidrIpv6" not in rule
        assert rule["DestinationSecurityGroupId"] == "sg-0123456789abcdef0"


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """Everything the functions log: both Powertools JSON streams and every library logger."""
    streams = io.StringIO()
    previous = [
        module.logger.registered_handler.setStream(streams)  # type: ignore[attr-defined]
        for module in (status_module, start_module)
    ]
    caplog.set_level(logging.INFO)  # the deployed POWERTOOLS_LOG_LEVEL
    yield (
        lambda: (
            streams.getvalue()
            + "\n".join(
                f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records
            )
        )
    )
    for module, stream in zip((status_module, start_module), previous, strict=True):
        module.logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]


def test_a_run_logs_no_credentials_headers_or_payloads(
    emulator: NeptuneLoaderEmulator,
    invoke_status: Callable[..., Any],
    invoke_start: Callable[[Any], Any],
    captured_logs: Callable[[], str],
) -> None:
    # Given loads whose payloads carry recognisable text
    marker = "PAYLOAD-MARKER-7f3c"
    logs = [
        {"errorCode": "PARSING_ERROR", "errorMessage": f"{marker} row {i}", "fileName": "f"}
        for i in range(30)
    ]
    failed = emulator.put_load(status="LOAD_FAILED", overall={"parsingErrors": 30}, error_logs=logs)
    done = emulator.put_load(status="LOAD_COMPLETED", overall={"fullUri": f"s3://b/{marker}"})
    # When the functions run through success, failure, throttling, access denied and a start
    invoke_status(done)
    invoke_status(failed)
    invoke_status(failed, includeErrors=True, errorsPerPage=100)
    emulator.add_fault(Fault.error(429, "TooManyRequestsException", times=None))
    invoke_status(done)
    emulator.clear_faults()
    emulator.add_fault(Fault.error(403, "AccessDeniedException", "denied", times=None))
    invoke_status(done)
    emulator.clear_faults()
    emulator.add_fault(
        Fault.error(500, "InternalFailureException", "Failed to start", times=1, method="POST")
    )
    # (a 500 that created no load: the start looks for it, then says it is safe to start again)
    with pytest.raises(Exception, match="safe to start again"):
        invoke_start({"source": "s3://neptune-samples/good/", "format": "csv"})
    invoke_start(
        {
            "source": "s3://neptune-samples/good/",
            # baseUri is an RDF parser setting (issue 11 refuses it for csv)
            "format": "turtle",
            "parserConfiguration": {"baseUri": f"http://{marker}/"},
        }
    )
    text = captured_logs()
    # Then the logs said what happened...
    assert text.count("Load status checked") >= 5
    assert "Load started" in text
    # ...and none of the secrets, headers or payloads
    for secret in SECRETS:
        assert secret not in text, secret
    assert marker not in text
    assert "NeptuneLoadFromS3" not in text  # the loader role chain is not logged
