"""The workflow's branches as named scenarios: shared by ``make demo SCENARIO=...`` and tests/e2e.

Each scenario prepares the emulator (faults, a load started elsewhere, ...) and returns the
execution input, read from the sample events in ``events/emulator/state-machine/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from loadctl.emulator import NeptuneLoaderEmulator

EVENTS_DIR = Path(__file__).resolve().parent.parent.parent / "events" / "emulator"
# The total-wait bound the timeout scenario is synthesized with (cdk.json ships 24 h).
TIMEOUT_DEMO_BOUND_SECONDS = 600
# A well-formed load id that the emulator has never seen.
UNKNOWN_LOAD_ID = "0b9a3c4e-5d6f-4a1b-8c2d-3e4f5a6b7c8d"


def read_event(name: str) -> dict[str, Any]:
    """A sample event from ``events/emulator/`` (e.g. ``state-machine/start-good.json``)."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text())
    return event


@dataclass(frozen=True)
class Scenario:
    """One branch of the workflow and how to provoke it."""

    name: str
    title: str
    prepare: Callable[[NeptuneLoaderEmulator], dict[str, Any]]
    expected_status: str
    expected_error: str | None = None
    # CDK context overrides for a synth of its own (e.g. a shorter bound); empty: cdk.out as is.
    synth_context: dict[str, str] = field(default_factory=dict)
    # Which state machine runs it: the single-load workflow or the batch workflow.
    machine: Literal["load", "batch"] = "load"


def _start_good(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    return read_event("state-machine/start-good.json")


def _start_broken(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    return read_event("state-machine/start-broken.json")


def _queued(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    # Another load is running, so Neptune queues ours (queueRequest: true) until it ends.
    emulator.start_load(read_event("lambda/start-good.json"))
    return read_event("state-machine/start-good-queued.json")


def _throttled(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    # A storm of 429s on status reads only (GET /loader/{id}; the start's list of loads, GET
    # /loader, is spared): the start goes through, then several checks in a row cannot read the
    # status, then it clears.
    from loadctl.emulator import Fault

    emulator.add_fault(
        Fault.error(429, "TooManyRequestsException", times=6, method="GET", path_prefix="/loader/")
    )
    return read_event("state-machine/start-good.json")


def _status_unavailable(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    from loadctl.emulator import Fault

    load_id = emulator.start_load(read_event("lambda/start-good.json"))
    emulator.add_fault(Fault.error(503, "ServiceUnavailableException", times=None, method="GET"))
    return {"loadId": load_id}


def _not_found(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    return {"loadId": UNKNOWN_LOAD_ID}


def _timeout(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    load_id = emulator.start_load(read_event("lambda/start-good.json"))
    emulator.stall(load_id)
    return {"loadId": load_id}


def _resume(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    # The first run fails on a transient S3 read error; the workflow resubmits with mode RESUME.
    emulator.fail_next_load(feed_status="LOAD_S3_READ_ERROR")
    return read_event("state-machine/start-good.json")


def _watch(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    load_id = emulator.start_load(read_event("lambda/start-good.json"))
    event = read_event("state-machine/watch-load-id.json")
    event["loadId"] = load_id
    return event


def _invalid(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    return read_event("state-machine/invalid-load-id.json")


def _batch_good(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    # The vertices, then the edges that point at them (Neptune dependencies: reference §3.1).
    return read_event("state-machine/batch-good.json")


def _batch_broken(emulator: NeptuneLoaderEmulator) -> dict[str, Any]:
    # "people" has parse errors (failOnError): it fails first; "knows" depends on it and
    # Neptune fails it with LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED; "software" is
    # independent and, with continueOnFailure, still loads.
    return read_event("state-machine/batch-broken.json")


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("success", "Load the clean sample dataset", _start_good, "SUCCEEDED"),
        Scenario(
            "failed",
            "Load a broken file (parse errors)",
            _start_broken,
            "FAILED",
            "NeptuneLoadFailed",
        ),
        Scenario("queued", "Wait in Neptune's queue, then load", _queued, "SUCCEEDED"),
        Scenario("throttled", "Ride out a throttling storm", _throttled, "SUCCEEDED"),
        Scenario(
            "unavailable",
            "Status never readable (503s)",
            _status_unavailable,
            "FAILED",
            "NeptuneStatusUnavailable",
        ),
        Scenario(
            "not-found",
            "Watch a load id Neptune does not know",
            _not_found,
            "FAILED",
            "NeptuneLoadFailed",
        ),
        Scenario(
            "timeout",
            "A load that never finishes",
            _timeout,
            "FAILED",
            "NeptuneLoadTimedOut",
            # With cdk.json's 24 h bound the loop makes ~290 checks (about a minute of wall
            # time); a 10-minute bound reaches the same Fail state in a few seconds.
            synth_context={"pollMaxTotalWaitSeconds": str(TIMEOUT_DEMO_BOUND_SECONDS)},
        ),
        Scenario("resume", "S3 read error, resubmitted with RESUME", _resume, "SUCCEEDED"),
        Scenario("watch", "Watch a load started elsewhere", _watch, "SUCCEEDED"),
        Scenario("invalid", "A malformed load id", _invalid, "FAILED", "InvalidInput"),
        Scenario(
            "batch",
            "A batch: the vertices, then the edges that depend on them",
            _batch_good,
            "SUCCEEDED",
            machine="batch",
        ),
        Scenario(
            "batch-failed",
            "A batch whose first load fails: the cascade and the root cause",
            _batch_broken,
            "FAILED",
            "NeptuneBatchFailed",
            machine="batch",
        ),
    )
}
