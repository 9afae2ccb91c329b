"""``python -m loadctl``: check, watch and start Neptune bulk loads; serve the emulator; run the demo.

This module parses the command line and dispatches; the commands that talk to Neptune are in
:mod:`loadctl.load_commands`, the exit codes in :mod:`loadctl.exit_codes`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from loadctl.batch_commands import add_batch_parser
from loadctl.exit_codes import (
    ERROR_EXIT_CODES,
    EXIT_INVALID_INPUT,
    EXIT_START_OUTCOME_UNKNOWN,
    EXIT_START_REJECTED,
    EXIT_START_TRANSIENT,
    EXIT_SUCCEEDED,
    EXIT_USAGE,
)
from loadctl.load_commands import cmd_start, cmd_status, cmd_watch, use_lambda_code

REPO_ROOT = Path(__file__).resolve().parent.parent


def _poll_defaults() -> Any:
    use_lambda_code()  # the settings take the Lambdas' declared defaults
    from infrastructure.settings import PollSettings

    return PollSettings()


def cmd_emulator(argv: Sequence[str]) -> int:
    """``emulator [OPTIONS]``: serve the Neptune loader emulator until interrupted.

    ``argv`` goes to the emulator's own parser untouched (``--port``, ``--data-root``, ...); a
    leading ``--`` (the form older docs showed) is dropped.
    """
    from loadctl.emulator import main as emulator_main

    return emulator_main(list(argv[1:] if argv[:1] == ["--"] else argv))


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo [--scenario NAME]``: the synthesized workflow against the emulator, locally."""
    from loadctl.demo import run_demo

    return run_demo(args.scenario, cdk_out=Path(args.cdk_out), verbose=args.verbose)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m loadctl``."""
    from loadctl.demo.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(prog="python -m loadctl", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def connection(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--endpoint", help="scheme://host:port (default: $NEPTUNE_ENDPOINT)")
        sub.add_argument(
            "--no-iam-auth", action="store_true", help="do not SigV4-sign (the emulator)"
        )
        sub.add_argument("--json", action="store_true", help="print JSON")

    status = commands.add_parser("status", help="print the normalized status of a load")
    status.add_argument("load_id")
    status.add_argument("--errors", action="store_true", help="include the error list")
    status.add_argument("--page", type=int, default=1)
    status.add_argument("--errors-per-page", type=int, default=10)
    connection(status)
    status.set_defaults(func=cmd_status)

    poll = _poll_defaults()
    watch = commands.add_parser("watch", help="poll until the load ends, with a progress bar")
    watch.add_argument("load_id")
    watch.add_argument("--max-checks", type=int, default=poll.max_checks)
    watch.add_argument("--max-total-wait", type=int, default=poll.max_total_wait_seconds)
    watch.add_argument("--max-consecutive-retries", type=int, default=poll.max_consecutive_retries)
    watch.add_argument(
        "--time-scale", type=float, default=1.0, help="divide waits (for a sped-up emulator)"
    )
    connection(watch)
    watch.set_defaults(func=cmd_watch)

    start = commands.add_parser(
        "start",
        help="submit a loader request and print the loadId",
        description="Submit a loader request (one attempt, as the start Lambda) and print the loadId.",
        epilog=(
            "exit codes:\n"
            f"  {EXIT_SUCCEEDED}  the load was started\n"
            f"  {EXIT_USAGE}  bad options or configuration (e.g. no endpoint)\n"
            f"  {EXIT_INVALID_INPUT}  the request is invalid; nothing was sent\n"
            f"  {EXIT_START_REJECTED}  Neptune rejected the request (e.g. unknown bucket, access denied)\n"
            f"  {EXIT_START_TRANSIENT}  Neptune could not start it this time; safe to try again\n"
            f"  {EXIT_START_OUTCOME_UNKNOWN}  the answer was lost: list the loads before trying again"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start.add_argument("--request", help="JSON file with the loader request (camelCase keys)")
    start.add_argument("--source", help="s3://bucket/prefix")
    start.add_argument("--format", help="csv, opencypher, ntriples, ...")
    start.add_argument("--iam-role-arn", help="default: $LOADER_IAM_ROLE_ARN")
    start.add_argument("--region", help="default: $AWS_REGION")
    start.add_argument("--mode", choices=["NEW", "RESUME", "AUTO"])
    start.add_argument("--parallelism", choices=["LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE"])
    start.add_argument("--queue", action="store_true", help="queueRequest: true")
    start.add_argument("--no-fail-on-error", action="store_true", help="failOnError: false")
    connection(start)
    start.set_defaults(func=cmd_start)

    # Listed for --help only: `main` hands everything after `emulator` to the emulator's own
    # parser, because argparse.REMAINDER in a subparser refuses options such as --port.
    commands.add_parser(
        "emulator",
        help="serve the Neptune loader emulator (options: python -m loadctl emulator --help)",
        add_help=False,
    )

    add_batch_parser(commands, connection)

    demo = commands.add_parser("demo", help="run the synthesized workflow locally")
    demo.add_argument("--scenario", default="success", choices=sorted(SCENARIOS))
    demo.add_argument("--cdk-out", default=str(REPO_ROOT / "cdk.out"))
    demo.add_argument("--verbose", action="store_true", help="also print the Lambda logs")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """Entry point; returns the process exit code.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).
    sleep
        How ``watch`` waits between checks, in seconds after ``--time-scale``; tests pass an
        emulated clock's ``advance`` so a load of minutes is watched without real waiting.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        return cmd_emulator(arguments[1:])
    args = build_parser().parse_args(arguments)
    args.sleep = sleep
    try:
        code: int = args.func(args)
    except Exception as error:  # a clean message for people; the traceback helps no one here
        # Matched by class name, as Step Functions does: the Lambda code is imported lazily.
        exit_code = ERROR_EXIT_CODES.get(type(error).__name__)
        if exit_code is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return exit_code
    return code
