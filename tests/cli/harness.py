"""What the command-line tests share: the emulator-backed ``python -m loadctl`` runner and the
sample loads (the ``cli`` fixture is in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from loadctl.cli import main
from loadctl.emulator import ManualClock, NeptuneLoaderEmulator

if TYPE_CHECKING:
    import pytest
    from rich.console import Console

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "samples"
ROLE_ARN = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"
GOOD = json.loads((REPO_ROOT / "events/emulator/lambda/start-good.json").read_text())
BROKEN = {**GOOD, "source": "s3://neptune-samples/broken/"}  # failOnError: true
LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
GOOD_RECORDS = 552  # samples/README.md
RECORDS_PER_SECOND = 10.0

# The status object's keys as docs/contract.md fixes them (`errors` only with errors or on FAILED);
# additive keys beyond these are allowed.
STATUS_KEYS = {
    "loadId",
    "state",
    "terminal",
    "neptuneStatus",
    "reason",
    "message",
    "retryable",
    "nextWaitSeconds",
    "progress",
    "failedFeeds",
}
PROGRESS_KEYS = {
    "totalRecords",
    "totalDuplicates",
    "parsingErrors",
    "datatypeMismatchErrors",
    "insertErrors",
    "totalTimeSpent",
    "startTime",
    "runNumber",
    "retryNumber",
    "feedCount",
}


@dataclass
class Run:
    """What one ``python -m loadctl ...`` run did."""

    code: int
    out: str
    err: str


class Cli:
    """``main(argv)`` against the served emulator, with ``--endpoint ... --no-iam-auth`` added.

    ``watch`` sleeps through :meth:`sleep`, which moves the emulator's clock instead of waiting
    and remembers each wait.
    """

    def __init__(
        self,
        emulator: NeptuneLoaderEmulator,
        clock: ManualClock,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.emulator = emulator
        self.clock = clock
        self.waits: list[float] = []
        self._capsys = capsys

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)

    def run(self, *argv: str, console: Console | None = None) -> Run:
        connection = ["--endpoint", self.emulator.endpoint, "--no-iam-auth"]
        code = main([*argv, *connection], sleep=self.sleep, console=console)
        captured = self._capsys.readouterr()
        return Run(code, str(captured.out), str(captured.err))

    def capture(self) -> Run:
        """What was printed since the last run (code -1: for runs made without `run`)."""
        captured = self._capsys.readouterr()
        return Run(-1, str(captured.out), str(captured.err))

    def status_gets(self, load_id: str) -> int:
        """How many plain status reads of ``load_id`` reached the emulator."""
        return self.emulator.requests.count(("GET", f"/loader/{load_id}"))


def serve_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    """The emulator served over HTTP and a `Cli` for it, in a clean environment."""
    # The endpoint must come from --endpoint and the role from the deployment-style variable.
    # Output is not a terminal unless a test says so (rich reads these variables).
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEPTUNE_ENDPOINT", raising=False)
    monkeypatch.delenv("NEPTUNE_IAM_AUTH", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("LOADER_IAM_ROLE_ARN", ROLE_ARN)
    clock = ManualClock(start=1_700_000_000.0)
    emulator = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=clock, records_per_second=RECORDS_PER_SECOND
    )
    with emulator.serve():
        yield Cli(emulator, clock, capsys)
