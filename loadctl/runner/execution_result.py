"""What one execution of the local workflow did: its outcome, history, invocations and waits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from infrastructure.definition import HANDLER_ROLES


def _is_status_check(record: InvocationRecord) -> bool:
    return HANDLER_ROLES.get(record.handler) == "status"


@dataclass(frozen=True)
class InvocationRecord:
    """One Lambda invocation made during an execution."""

    function: str
    handler: str
    event: Any
    result: Any
    errored: bool
    cold_start: bool
    logs: str


@dataclass
class ExecutionResult:
    """What an execution did: its outcome and the counts that tests bound.

    ``transitions`` counts states entered; ``emulated_seconds`` is the time the workflow spent in
    Wait states and Retry intervals (the emulated clock moved by exactly that much).
    """

    execution_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]
    invocations: list[InvocationRecord] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def states_entered(self) -> list[str]:
        """Names of the states entered, in order."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.events
            if event["type"].endswith("StateEntered")
        ]

    @property
    def transitions(self) -> int:
        """How many states were entered."""
        return len(self.states_entered)

    @property
    def events_count(self) -> int:
        """How many history events the execution produced."""
        return len(self.events)

    @property
    def status_checks(self) -> int:
        """How many times the status Lambda ran."""
        return sum(1 for r in self.invocations if _is_status_check(r))

    @property
    def emulated_seconds(self) -> float:
        """Seconds the workflow waited (Wait states and Retry intervals)."""
        return sum(self.waits)

    @property
    def cause_json(self) -> Any:
        """The Fail ``Cause`` parsed as JSON (``None`` if absent or not JSON)."""
        if not self.cause:
            return None
        try:
            return json.loads(self.cause)
        except ValueError:
            return None

    def status_outputs(self) -> list[Any]:
        """The status objects the status Lambda returned, in order."""
        return [r.result for r in self.invocations if _is_status_check(r) and not r.errored]


@dataclass
class ExecutionLog:
    """What an execution records while it runs (moved into its :class:`ExecutionResult`)."""

    invocations: list[InvocationRecord] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
