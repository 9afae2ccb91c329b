"""The sample events: ``events/aws/`` works on any deployment once its placeholders are filled in,
``events/emulator/`` only against the emulator, and the names say which is which.

A start event that named a role would override the deployment's ``loaderRoleArn`` with the
placeholder account's role, and the load would fail on a real account.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.loader_request import validate_loader_request
from neptune_loader.validation import parse_status_event

EVENTS = Path(__file__).resolve().parents[2] / "events"
EMULATOR_EVENTS = EVENTS / "emulator"
AWS_EVENTS = EVENTS / "aws"
START_EVENTS = sorted((EMULATOR_EVENTS / "state-machine").glob("start-*.json"))
AWS_START_EVENTS = sorted(
    [AWS_EVENTS / "lambda" / "start.json", *(AWS_EVENTS / "state-machine").glob("start*.json")]
)
AWS_LOAD_ID_EVENTS = sorted(
    path for path in AWS_EVENTS.rglob("*.json") if "<YOUR-LOAD-ID>" in path.read_text()
)
# A deployment that is not the placeholder account nor the samples' region.
DEPLOYED_ROLE = "arn:aws:iam::210987654321:role/MyNeptuneLoader"
DEPLOYED_REGION = "eu-west-1"
# What a user puts in place of the placeholders.
FILLED_IN = {
    "<YOUR-BUCKET>": "my-graph-data",
    "<YOUR-PREFIX>": "2024/vertices",
    "<YOUR-LOAD-ID>": "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d",
}
PLACEHOLDER = re.compile(r"<[A-Z][A-Z-]*>")
# Only the emulator has this bucket and this account.
EMULATOR_ONLY = ("neptune-samples", "123456789012")


def _fill_in(path: Path) -> Any:
    text = path.read_text()
    for placeholder, value in FILLED_IN.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def test_there_are_state_machine_start_events() -> None:
    assert [path.name for path in START_EVENTS] == [
        "start-broken.json",
        "start-good-queued.json",
        "start-good.json",
    ]


@pytest.mark.parametrize("path", START_EVENTS, ids=lambda path: path.name)
def test_state_machine_start_event_takes_the_deployments_role_and_region(path: Path) -> None:
    # Given an execution input as a user pastes it into the console
    event: dict[str, Any] = json.loads(path.read_text())
    # When the start Lambda fills in the deployment's defaults
    request = validate_loader_request(
        event, default_role_arn=DEPLOYED_ROLE, default_region=DEPLOYED_REGION
    )
    # Then the deployment's role and region are the ones sent to Neptune
    assert (request["iamRoleArn"], request["region"]) == (DEPLOYED_ROLE, DEPLOYED_REGION)
    assert request["source"].startswith("s3://neptune-samples/")


def test_the_aws_events_are_the_documented_ones() -> None:
    names = sorted(str(path.relative_to(AWS_EVENTS)) for path in AWS_EVENTS.rglob("*.json"))
    readme = (EVENTS / "README.md").read_text()
    assert names == [
        "lambda/start.json",
        "lambda/status-invalid-load-id.json",
        "lambda/status-invoke-result.json",
        "lambda/status-load-id.json",
        "lambda/status-start-response.json",
        "lambda/status-with-errors.json",
        "state-machine/start-queued.json",
        "state-machine/start.json",
        "state-machine/watch-load-id.json",
    ]
    assert all(f"`{name}`" in readme for name in names)


@pytest.mark.parametrize("path", sorted(AWS_EVENTS.rglob("*.json")), ids=str)
def test_aws_events_name_nothing_that_exists_only_in_the_emulator(path: Path) -> None:
    text = path.read_text()
    assert not any(value in text for value in EMULATOR_ONLY)
    # Every placeholder is one the README tells the user how to fill in.
    assert set(PLACEHOLDER.findall(text)) <= set(FILLED_IN)


@pytest.mark.parametrize("path", AWS_START_EVENTS, ids=str)
def test_aws_start_event_filled_in_takes_the_deployments_role_and_region(path: Path) -> None:
    # Given a start event with the user's bucket and prefix in place of the placeholders
    event: dict[str, Any] = _fill_in(path)
    # When the start Lambda fills in the deployment's defaults
    request = validate_loader_request(
        event, default_role_arn=DEPLOYED_ROLE, default_region=DEPLOYED_REGION
    )
    # Then the user's data, the deployment's role and region are sent
    assert request["source"] == "s3://my-graph-data/2024/vertices/"
    assert (request["iamRoleArn"], request["region"]) == (DEPLOYED_ROLE, DEPLOYED_REGION)


@pytest.mark.parametrize("path", AWS_START_EVENTS, ids=str)
def test_aws_start_event_left_unfilled_is_refused_before_reaching_neptune(path: Path) -> None:
    event: dict[str, Any] = json.loads(path.read_text())
    with pytest.raises(InvalidInputError, match="source"):
        validate_loader_request(
            event, default_role_arn=DEPLOYED_ROLE, default_region=DEPLOYED_REGION
        )


@pytest.mark.parametrize("path", AWS_LOAD_ID_EVENTS, ids=str)
def test_aws_load_id_event_filled_in_is_accepted_and_unfilled_is_refused(path: Path) -> None:
    assert parse_status_event(_fill_in(path)).load_id == FILLED_IN["<YOUR-LOAD-ID>"]
    with pytest.raises(InvalidInputError, match="loadId"):
        parse_status_event(json.loads(path.read_text()))


def test_every_aws_load_id_event_has_the_placeholder() -> None:
    shapes = {str(path.relative_to(AWS_EVENTS)) for path in AWS_LOAD_ID_EVENTS}
    assert shapes == {
        "lambda/status-invoke-result.json",
        "lambda/status-load-id.json",
        "lambda/status-start-response.json",
        "lambda/status-with-errors.json",
        "state-machine/watch-load-id.json",
    }


@pytest.mark.parametrize(
    "path", sorted((EMULATOR_EVENTS / "lambda").glob("start-*.json")), ids=lambda path: path.name
)
def test_emulator_lambda_start_events_are_complete_requests(path: Path) -> None:
    # They are sent straight to the emulator, with no deployment to fill in defaults.
    request = validate_loader_request(
        json.loads(path.read_text()), default_role_arn=None, default_region=DEPLOYED_REGION
    )
    assert request["source"].startswith("s3://neptune-samples/")
    assert request["iamRoleArn"] == "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"
