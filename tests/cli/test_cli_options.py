"""``python -m loadctl``'s configuration and documentation: the region to sign for, the exit codes
(one table for ``--help`` and the README) and a help text for every command and option."""

from __future__ import annotations

import argparse
import typing
from pathlib import Path

import pytest

from loadctl.cli import build_parser, main
from loadctl.emulator.standalone import build_parser as emulator_parser
from loadctl.exit_codes import (
    EXIT_CODES,
    EXIT_USAGE,
    STATUS_EXIT_CODES,
    WATCH_EXIT_CODES,
    help_epilog,
    markdown_table,
)
from loadctl.load_commands import load_cli_settings, region_of
from tests.cli.harness import GOOD, REPO_ROOT, Cli

CLUSTER = "https://db.cluster-abc123.eu-west-3.neptune.amazonaws.com:8182"


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No region in the environment and an empty AWS config file; returns that file."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "NEPTUNE_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    return config


# --- region ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        (CLUSTER, "eu-west-3"),
        ("https://db.cluster-ro-x.us-gov-west-1.neptune.amazonaws.com:8182", "us-gov-west-1"),
        ("https://db.cluster-x.cn-north-1.neptune.amazonaws.com.cn:8182", "cn-north-1"),
        ("https://neptune.internal.example.com:8182", "ap-south-1"),  # not Neptune's: AWS_REGION
    ],
)
def test_the_region_is_the_endpoints_own_else_aws_region(endpoint: str, region: str) -> None:
    env = {"NEPTUNE_ENDPOINT": endpoint, "AWS_REGION": "ap-south-1"}
    assert region_of(env) == region


def test_the_region_comes_from_the_profile(
    no_region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a named profile with a region, and no region variable
    no_region.write_text("[profile loads]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_PROFILE", "loads")
    # When the endpoint names no region
    args = argparse.Namespace(endpoint="https://neptune.internal.example.com:8182")
    # Then the profile's region signs
    assert load_cli_settings(args).region == "sa-east-1"


@pytest.mark.usefixtures("no_region")
def test_a_signed_request_without_a_region_is_refused_by_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["status", "ef478d76-d9da-4d94-8ff1-08d9d4863aa5", "--endpoint", "http://x:8182"])

    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err.startswith("error: no AWS region: ")
    assert "set AWS_REGION" in err


@pytest.mark.usefixtures("no_region")
def test_the_emulator_needs_no_region(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no region anywhere (the cli fixture's AWS_REGION removed), an unsigned status read
    monkeypatch.delenv("AWS_REGION")
    load_id = cli.emulator.start_load(GOOD)
    # When / Then it goes ahead; a loader request, which names its bucket's region, does not
    assert cli.run("status", load_id).code != EXIT_USAGE
    run = cli.run("start", "--source", GOOD["source"], "--format", "csv")
    assert (run.code, cli.emulator.requests.count(("POST", "/loader"))) == (EXIT_USAGE, 0)
    run = cli.run(
        "start", "--source", GOOD["source"], "--format", "csv", "--region", "us-east-1", "--queue"
    )
    assert run.code == 0, run.err


def test_start_request_region_defaults_to_the_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    args = argparse.Namespace(endpoint=CLUSTER, no_iam_auth=False)
    assert load_cli_settings(args, region_needed=True).region == "eu-west-3"


# --- exit codes ------------------------------------------------------------------------------


def test_each_loop_ending_and_route_has_an_exit_code() -> None:
    from neptune_loader.poll_loop import Ending, Route

    assert set(WATCH_EXIT_CODES) == set(typing.get_args(Ending))
    assert set(STATUS_EXIT_CODES) == set(typing.get_args(Route))
    # status: SUCCEEDED 0, FAILED 1, and a code of its own for running, RETRY and unavailable
    codes = [STATUS_EXIT_CODES[r] for r in ("COUNT_CHECK", "COUNT_RETRY", "UNAVAILABLE")]
    assert (STATUS_EXIT_CODES["SUCCEEDED"], STATUS_EXIT_CODES["FAILED"]) == (0, 1)
    assert len(set(codes)) == 3
    assert not set(codes) & {0, 1}


def test_every_exit_code_constant_is_documented() -> None:
    import loadctl.exit_codes as module

    constants = {
        value
        for name, value in vars(module).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    documented = {row.code for row in EXIT_CODES}
    assert constants == documented


def test_the_readme_table_is_the_exit_code_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert markdown_table() in readme


# --- help ------------------------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", ["status", "watch", "start", "demo"])
def test_every_option_has_help_and_the_exit_codes_are_in_the_epilog(name: str) -> None:
    sub = subcommands()[name]
    assert sub.description
    assert sub.epilog == help_epilog(name)
    for action in sub._actions:
        assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_top_level_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])

    out = capsys.readouterr().out
    for row in EXIT_CODES:
        assert f"  {row.code:<3}  {'/'.join(row.commands)}: {row.meaning}" in out


def test_watch_help_shows_its_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["watch", "--help"])

    out = capsys.readouterr().out
    assert "exit codes:\n  0    the load succeeded" in out
    assert "  130  interrupted (Ctrl-C)" in out


@pytest.mark.parametrize("argv", [["emulator", "--help"], ["emulator", "--", "--help"]])
def test_emulator_help_is_the_commands_and_ends_with_its_exit_codes(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert out.startswith("usage: python -m loadctl emulator ")
    assert out.rstrip().endswith(help_epilog("emulator"))
    assert f"  {EXIT_USAGE:<3}  " in help_epilog("emulator")
    for action in emulator_parser()._actions:
        assert action.help, f"emulator {action.option_strings} has no help"
