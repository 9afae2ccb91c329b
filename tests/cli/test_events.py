"""The sample execution inputs in ``events/state-machine/`` work on any deployment as they are.

A start event that named a role would override the deployment's ``loaderRoleArn`` with the
placeholder account's role, and the load would fail on a real account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from neptune_loader.loader_request import validate_loader_request

EVENTS = Path(__file__).resolve().parents[2] / "events"
START_EVENTS = sorted((EVENTS / "state-machine").glob("start-*.json"))
# A deployment that is not the placeholder account nor the samples' region.
DEPLOYED_ROLE = "arn:aws:iam::210987654321:role/MyNeptuneLoader"
DEPLOYED_REGION = "eu-west-1"


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
