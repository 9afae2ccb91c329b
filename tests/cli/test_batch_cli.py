"""``python -m loadctl batch``: a batch from a file, or loads watched as one batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from loadctl.demo.scenarios import read_event
from loadctl.exit_codes import EXIT_INVALID_INPUT, EXIT_LOAD_FAILED, EXIT_SUCCEEDED
from tests.cli.test_cli import BROKEN, GOOD, Cli

if TYPE_CHECKING:
    import pytest


def write(tmp_path: Path, name: str) -> str:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(read_event(f"state-machine/{name}")))
    return str(path)


def test_batch_file_runs_to_success_with_a_line_per_load_and_a_total(
    cli: Cli, tmp_path: Path
) -> None:
    run = cli.run("batch", write(tmp_path, "batch-good.json"))
    assert run.code == EXIT_SUCCEEDED, run.out + run.err
    lines = run.out.splitlines()
    # A line per load each time something changed, then the total of that cycle.
    assert lines[0].split()[:2] == ["vertices", "LOAD_IN_QUEUE"]
    assert lines[2] == "cycle 1: 2 loads: 2 LOAD_IN_QUEUE; 0 records"
    assert any(line.startswith("cycle ") for line in lines)
    assert lines[-1] == "total: 2 loads, 2 succeeded, 0 failed, 552 records"
    assert len(cli.emulator.list_loads()) == 2


def test_batch_failure_prints_the_cause_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    run = cli.run("batch", write(tmp_path, "batch-broken.json"))
    assert run.code == EXIT_LOAD_FAILED
    cause = json.loads(run.out[run.out.index("\n{") + 1 :])
    assert [r["name"] for r in cause["rootFailures"]] == ["people"]
    assert [r["name"] for r in cause["dependencyFailures"]] == ["knows"]
    assert "  root failure: people (LOAD_FAILED): PARSING_ERROR" in run.out
    assert (
        "  failed because people failed: knows (LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED)"
        in run.out
    )


def test_invalid_batch_file_exits_5_and_sends_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"loads": [{"name": "a", "source": "s3://bucket/x", "format": "xml"}]})
    )
    run = cli.run("batch", str(path))
    assert run.code == EXIT_INVALID_INPUT
    assert "load 'a': format must be one of" in run.err
    assert cli.emulator.list_loads() == []


def test_batch_watch_follows_loads_started_elsewhere(cli: Cli) -> None:
    good = cli.emulator.start_load(GOOD)
    broken = cli.emulator.start_load({**BROKEN, "queueRequest": True})
    run = cli.run("batch", "--watch", good, broken)
    assert run.code == EXIT_LOAD_FAILED
    cause = json.loads(run.out[run.out.index("\n{") + 1 :])
    assert cause["succeeded"] == [good]
    assert [r["loadId"] for r in cause["rootFailures"]] == [broken]
    assert len(cli.emulator.list_loads()) == 2  # nothing sent


def test_the_readmes_batch_command_runs_as_written(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a shell with no region and no loader role (the README's command is all there is)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "LOADER_IAM_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    # When the sample batch event runs against the emulator without signing
    run = cli.run("batch", write(tmp_path, "batch-good.json"))
    # Then it names its role and region itself and succeeds
    assert run.code == EXIT_SUCCEEDED, run.out + run.err
    assert run.out.splitlines()[-1] == "total: 2 loads, 2 succeeded, 0 failed, 552 records"
