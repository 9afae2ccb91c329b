"""Shared pieces of the reliability suite: the contract check, the measured invocation, the ledger
of outcomes that ``report.py`` turns into the figures of docs/reliability.md, Hypothesis budgets.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, settings

SCHEMA_PATH = Path(__file__).with_name("status_output.schema.json")
STATUS_SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
_VALIDATOR = jsonschema.Draft202012Validator(STATUS_SCHEMA)

# Bounds the contract promises for one status Lambda invocation.
MAX_INVOCATION_SECONDS = 10.0
MAX_OUTPUT_BYTES = 256 * 1024
# A status built for the workflow is copied into a Fail state's Cause (at most 32,768 characters).
MAX_CAUSE_CHARS = 32_768

# The environment variable report.py sets to collect the ledger; unset in `make test`.
LEDGER_ENV = "RELIABILITY_LEDGER"
# `make fuzz` sets this to multiply every Hypothesis budget.
FUZZ_ENV = "RELIABILITY_FUZZ"


def output_bytes(document: object) -> int:
    """Size of ``document`` as the Lambda runtime serialises it (``json.dumps``, ASCII escapes)."""
    return len(json.dumps(document).encode())


def contract_violations(result: object) -> list[str]:
    """Every way ``result`` breaks the status contract (empty when it is valid)."""
    problems = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message[:300]}"
        for error in _VALIDATOR.iter_errors(result)
    ]
    try:
        size = output_bytes(result)
    except (TypeError, ValueError) as error:
        return [*problems, f"not JSON-serialisable: {error}"]
    if size > MAX_OUTPUT_BYTES:
        problems.append(f"output is {size} bytes, over {MAX_OUTPUT_BYTES}")
    return problems


def assert_contract(result: object) -> None:
    """Fail with every contract violation of ``result``."""
    problems = contract_violations(result)
    assert not problems, "\n".join(problems)


def is_false_success(result: dict[str, Any], truth: str | None) -> bool:
    """A SUCCEEDED answer when Neptune's real status (``truth``) was not LOAD_COMPLETED."""
    return result.get("state") == "SUCCEEDED" and truth != "LOAD_COMPLETED"


@dataclass
class Outcome:
    """One tried case: a fault scenario, a bad input, or one Hypothesis example."""

    category: str
    scenario: str
    handled: bool
    false_success: bool = False
    invocations: int = 0
    worst_seconds: float = 0.0
    largest_bytes: int = 0
    detail: str = ""


@dataclass
class Ledger:
    """Outcomes of the session, written as JSON when ``RELIABILITY_LEDGER`` names a file."""

    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, outcome: Outcome) -> Outcome:
        """Record ``outcome`` and return it."""
        with self._lock:
            self.outcomes.append(outcome)
        return outcome

    def write(self, path: Path) -> None:
        """Append this session's outcomes to ``path`` (one JSON object a line)."""
        with path.open("a", encoding="utf-8") as stream:
            for outcome in self.outcomes:
                stream.write(json.dumps(asdict(outcome)) + "\n")


LEDGER = Ledger()

# Recognisable fake credentials: the log checks search every captured line for them.
ACCESS_KEY_ID = "AKIARELIABILITYTEST1"
SECRET_ACCESS_KEY = "reliabilitySecretKey/DoNotLog+0123456789abcdef"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjReliabilitySessionTokenDoNotLog"
ROLE_ARN = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"


@dataclass(frozen=True)
class SynthesizedApp:
    """The cloud assembly directory and the stack's template."""

    cdk_out: Path
    template: dict[str, Any]


@dataclass
class Measured:
    """What one handler invocation returned, how long it took and how big its output was."""

    result: dict[str, Any]
    seconds: float
    size: int


def measure(call: Callable[[], dict[str, Any]]) -> Measured:
    """Run one invocation, timing it and sizing its output, and check the contract's bounds."""
    started = time.monotonic()
    result = call()
    seconds = time.monotonic() - started
    measured = Measured(result, seconds, output_bytes(result))
    assert measured.seconds < MAX_INVOCATION_SECONDS, f"invocation took {seconds:.2f} s"
    assert_contract(result)
    return measured


def hypothesis_budget(examples: int) -> settings:
    """Hypothesis settings: ``examples`` in `make test`, fifty times more under `make fuzz`."""
    scale = 50 if os.environ.get(FUZZ_ENV) else 1
    return settings(
        max_examples=examples * scale,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=not os.environ.get(FUZZ_ENV),
    )
