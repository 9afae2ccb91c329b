"""``python -m loadctl``: check, watch and start Neptune bulk loads; serve the emulator; run the demo.

This module parses the command line and dispatches; the commands that talk to Neptune are in
:mod:`loadctl.load_commands`, the exit codes in :mod:`loadctl.exit_codes`.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadctl.batch_commands import add_batch_arguments
from loadctl.exit_codes import ERROR_EXIT_CODES, EXIT_CODES, EXIT_INTERRUPTED, help_epilog
from loadctl.load_commands import cmd_start, cmd_status, cmd_watch, use_lambda_code

if TYPE_CHECKING:
    from rich.console import Console

REPO_ROOT = Path(__file__).resolve().parent.parent
EPILOG = "exit codes (see each command's --help):\n" + "\n".join(
    f"  {row.code:<3}  {'/'.join(row.commands)}: {row.meaning}" for row in EXIT_CODES
)


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

    arguments = list(argv[1:] if argv[:1] == ["--"] else argv)
    return emulator_main(arguments, prog="python -m loadctl emulator")


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo [--scenario NAME]``: the synthesized workflow against the emulator, locally."""
    from loadctl.demo import run_demo

    return run_demo(args.scenario, cdk_out=Path(args.cdk_out), verbose=args.verbose)


def _command(commands: Any, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    """A subcommand with its one-line summary, its description and its exit codes."""
    return commands.add_parser(  # type: ignore[no-any-return]
        name,
        help=summary,
        description=textwrap.fill(description, width=78),
        epilog=help_epilog(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _connection(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--endpoint",
        metavar="URL",
        help="the cluster (writer) endpoint as scheme://host:port (default: $NEPTUNE_ENDPOINT); "
        "the region to sign for is read from a *.<region>.neptune.amazonaws.com host, else "
        "from $AWS_REGION, $AWS_DEFAULT_REGION or the profile",
    )
    sub.add_argument(
        "--no-iam-auth",
        action="store_true",
        help="do not SigV4-sign requests (clusters without IAM auth, the emulator); "
        "same as NEPTUNE_IAM_AUTH=false",
    )
    sub.add_argument(
        "--json", action="store_true", help="print the status object (or result) as JSON"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m loadctl``."""
    from loadctl.demo.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(
        prog="python -m loadctl",
        description="Check, watch and start Neptune bulk loads; serve the emulator; run the demo.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = _command(
        commands,
        "status",
        "print the status of a load (one check); the exit code says its state",
        "Check a load once, as the status Lambda does, and print the status object.",
    )
    status.add_argument("load_id", metavar="LOAD_ID", help="the loadId that start printed")
    status.add_argument(
        "--errors", action="store_true", help="also fetch a page of the load's error log"
    )
    status.add_argument(
        "--page", type=int, default=1, help="which page of the error log (with --errors)"
    )
    status.add_argument(
        "--errors-per-page",
        type=int,
        default=10,
        metavar="N",
        help="error-log entries per page, 1 to 100 (with --errors; default 10)",
    )
    _connection(status)
    status.set_defaults(func=cmd_status)

    poll = _poll_defaults()
    watch = _command(
        commands,
        "watch",
        "follow a load until it ends, with a live progress display",
        "Check a load until it ends, waiting between checks as the workflow does. On a "
        "terminal: a live progress display (percent and ETA when the status has a source "
        "estimate, counts otherwise, and a countdown to the next check); otherwise one line per "
        "check. Ctrl-C stops watching; the load goes on in Neptune.",
    )
    watch.add_argument("load_id", metavar="LOAD_ID", help="the loadId that start printed")
    watch.add_argument(
        "--max-checks",
        type=int,
        default=poll.max_checks,
        metavar="N",
        help="give up (exit 3) after N checks (default: the workflow's, %(default)s)",
    )
    watch.add_argument(
        "--max-total-wait",
        type=int,
        default=poll.max_total_wait_seconds,
        metavar="SECONDS",
        help="give up (exit 3) after waiting this long in all (default: the workflow's, "
        "%(default)s)",
    )
    watch.add_argument(
        "--max-consecutive-retries",
        type=int,
        default=poll.max_consecutive_retries,
        metavar="N",
        help="give up (exit 4) after N unreadable checks in a row (default: the workflow's, "
        "%(default)s)",
    )
    watch.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="divide every wait by FACTOR (for an emulator run with --speed FACTOR)",
    )
    _connection(watch)
    watch.set_defaults(func=cmd_watch)

    start = _command(
        commands,
        "start",
        "submit a loader request and print the loadId",
        "Submit a loader request (one attempt, as the start Lambda) and print the loadId.",
    )
    start.add_argument(
        "--request", metavar="FILE", help="JSON file with the loader request (camelCase keys)"
    )
    start.add_argument("--source", metavar="S3_URI", help="s3://bucket/prefix of the data")
    start.add_argument(
        "--format", help="the data format: csv, opencypher, ntriples, nquads, rdfxml, turtle"
    )
    start.add_argument(
        "--iam-role-arn", metavar="ARN", help="the loader role (default: $LOADER_IAM_ROLE_ARN)"
    )
    start.add_argument(
        "--region",
        help="the bucket's region (default: the cluster's, from the endpoint or $AWS_REGION)",
    )
    start.add_argument(
        "--mode", choices=["NEW", "RESUME", "AUTO"], help="loader mode (Neptune's default: AUTO)"
    )
    start.add_argument(
        "--parallelism",
        choices=["LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE"],
        help="loader parallelism (Neptune's default: HIGH)",
    )
    start.add_argument(
        "--queue", action="store_true", help="queueRequest: true (wait behind running loads)"
    )
    start.add_argument(
        "--no-fail-on-error",
        action="store_true",
        help="failOnError: false (go on past bad records)",
    )
    _connection(start)
    start.set_defaults(func=cmd_start)

    # Listed for --help only: `main` hands everything after `emulator` to the emulator's own
    # parser, because argparse.REMAINDER in a subparser refuses options such as --port.
    commands.add_parser(
        "emulator",
        help="serve the Neptune loader emulator (options: python -m loadctl emulator --help)",
        add_help=False,
    )

    batch = _command(
        commands,
        "batch",
        "send a batch of loads (FILE.json) or watch loads (--watch ID...) to one verdict",
        "Send a batch of loads as the batch workflow does, in order, with Neptune dependencies "
        "and within its queue (or watch loads started elsewhere) until every load has ended; a "
        "line per load and a total whenever something changed, then the results or the Cause.",
    )
    add_batch_arguments(batch)
    _connection(batch)

    demo = _command(
        commands,
        "demo",
        "run the synthesized workflow locally against the emulator",
        "Run the synthesized state machine from cdk.out locally (moto's interpreter, the real "
        "handlers) against the Neptune loader emulator, and print what happens.",
    )
    demo.add_argument(
        "--scenario",
        default="success",
        choices=sorted(SCENARIOS),
        help="which story to run (default: %(default)s)",
    )
    demo.add_argument(
        "--cdk-out",
        default=str(REPO_ROOT / "cdk.out"),
        metavar="DIR",
        help="the synthesized cloud assembly (default: cdk.out)",
    )
    demo.add_argument("--verbose", action="store_true", help="also print the Lambda logs")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    console: Console | None = None,
) -> int:
    """Entry point; returns the process exit code.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).
    sleep
        How ``watch`` waits between checks, in seconds after ``--time-scale``; tests pass an
        emulated clock's ``advance`` so a load of minutes is watched without real waiting.
    console
        Where ``watch`` draws (default: a rich console on stdout, a live display only on a
        terminal); tests pass one that records.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        return cmd_emulator(arguments[1:])
    args = build_parser().parse_args(arguments)
    args.sleep = sleep
    args.console = console
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:  # `watch` says more; a started load goes on in Neptune
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a clean message for people; the traceback helps no one here
        # Matched by class name, as Step Functions does: the Lambda code is imported lazily.
        exit_code = ERROR_EXIT_CODES.get(type(error).__name__)
        if exit_code is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return exit_code
    return code
