"""What one check costs in the synthesized workflow: state transitions on the loop path, history
events, the first wait and the loop's bounds, all read from ``cdk.out`` (no CDK import)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrastructure.definition import (
    find_functions,
    load_template,
    placeholder_arns,
    resolve_definition,
)
from neptune_loader.poll_loop import LoopBounds

CDK_OUT = Path(__file__).resolve().parents[1] / "cdk.out"


def load_definition(cdk_out: Path = CDK_OUT) -> dict[str, Any]:
    """The synthesized state machine's ASL, with placeholder function ARNs."""
    template = load_template(cdk_out)
    return resolve_definition(template, placeholder_arns(find_functions(template)))


def _edges(state: dict[str, Any]) -> list[str]:
    """Happy-path successors (Next, Choice branches, Default); Catch routes are failures."""
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    if "Default" in state:
        targets.append(state["Default"])
    return targets


def _shortest_path(states: dict[str, Any], start: str, goal: str) -> list[str]:
    """States entered from ``start`` (excluded) to ``goal`` (included), breadth first."""
    previous: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        name = queue.popleft()
        for target in _edges(states[name]):
            if target == goal:
                path = [goal]
                while name != start:
                    path.append(name)
                    name = previous[name]
                return path[::-1]
            if target not in seen:
                seen.add(target)
                previous[target] = name
                queue.append(target)
    raise ValueError(f"no path from {start} to {goal}")


@dataclass(frozen=True)
class LoopCost:
    """State transitions and history events of the poll loop, from the definition."""

    wait_state: str
    loop_states: tuple[str, ...]
    entry_states: tuple[str, ...]
    exit_states: tuple[str, ...]
    task_states_per_loop: int
    initial_wait_seconds: float
    max_checks: int | None
    max_waited_seconds: int | None
    max_consecutive_retries: int | None = None

    @property
    def bounds(self) -> LoopBounds | None:
        """The loop's bounds for the poll-loop model (None if the definition has none)."""
        if self.max_checks is None or self.max_waited_seconds is None:
            return None
        return LoopBounds(self.max_checks, self.max_waited_seconds, self.max_consecutive_retries)

    def transitions(self, checks: int) -> int:
        """Transitions of one execution whose ``checks``-th check sees the load end: from the
        start state, around the loop ``checks - 1`` times, then out to success."""
        return len(self.entry_states) + (checks - 1) * len(self.loop_states) + len(self.exit_states)

    def history_events(self, checks: int) -> int:
        """History events: 2 per state entered (Entered/Exited), 3 more per Lambda task
        (Scheduled/Started/Succeeded), plus ExecutionStarted and ExecutionSucceeded."""
        return 2 + 2 * self.transitions(checks) + 3 * checks


def loop_cost(definition: dict[str, Any]) -> LoopCost:
    """Find the Wait state that reads ``$.poll.nextWaitSeconds`` and measure its loop."""
    states: dict[str, Any] = definition["States"]
    wait = next(
        name
        for name, state in states.items()
        if state["Type"] == "Wait" and state.get("SecondsPath", "").endswith("nextWaitSeconds")
    )
    loop = _shortest_path(states, wait, wait)
    entry = [definition["StartAt"], *_shortest_path(states, definition["StartAt"], wait)]
    succeed = next(name for name, state in states.items() if state["Type"] == "Succeed")
    exit_path = _shortest_path(states, wait, succeed)
    tasks = sum(1 for name in loop if states[name]["Type"] == "Task")
    initial = next(
        state["Parameters"]["nextWaitSeconds"]
        for name in entry
        if isinstance((state := states[name]).get("Parameters"), dict)
        and "nextWaitSeconds" in state["Parameters"]
    )
    bounds: dict[str, int] = {}
    for name in loop:
        for choice in states[name].get("Choices", []):
            variable = choice.get("Variable", "")
            if "NumericGreaterThanEquals" in choice:
                bounds[variable.rsplit(".", 1)[-1]] = int(choice["NumericGreaterThanEquals"])
    return LoopCost(
        wait_state=wait,
        loop_states=tuple(loop),
        entry_states=tuple(entry),
        exit_states=tuple(exit_path),
        task_states_per_loop=tasks,
        initial_wait_seconds=float(initial),
        max_checks=bounds.get("checks"),
        max_waited_seconds=bounds.get("waitedSeconds"),
        max_consecutive_retries=bounds.get("consecutiveRetries"),
    )
