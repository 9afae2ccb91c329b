"""``python -m loadctl``: check, watch and start Neptune bulk loads; serve the emulator; run the demo.

Talks to a real cluster (``NEPTUNE_ENDPOINT``, standard AWS credentials, SigV4 unless
``NEPTUNE_IAM_AUTH=false``) or to the emulator. ``status`` and ``watch`` reuse the status Lambda's
own code (``neptune_loader.status_check`` and the wait policy), so what the CLI shows is what the
workflow decides.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neptune_loader.neptune_client import LoaderStatusApi
    from neptune_loader.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"

# Exit codes of `watch` (and `demo`), one per workflow outcome.
EXIT_SUCCEEDED = 0
EXIT_LOAD_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMED_OUT = 3
EXIT_STATUS_UNAVAILABLE = 4
EXIT_INVALID_INPUT = 5
# Exit codes of `start` when Neptune does not accept the request, one per start-Lambda error.
EXIT_START_REJECTED = 6  # NeptuneRequestRejected: fix the request or the cluster, then start again
EXIT_START_TRANSIENT = 7  # NeptuneTransientError: nothing started; safe to try again later
EXIT_START_OUTCOME_UNKNOWN = 8  # NeptuneStartOutcomeUnknown: list the loads before trying again


# The Lambdas' deliberate errors (lambdas/neptune_loader/exceptions.py), shown as one line.
_ERROR_EXIT_CODES = {
    "InvalidInputError": EXIT_INVALID_INPUT,
    "ConfigurationError": EXIT_USAGE,
    "NeptuneRequestRejected": EXIT_START_REJECTED,
    "NeptuneTransientError": EXIT_START_TRANSIENT,
    "NeptuneStartOutcomeUnknown": EXIT_START_OUTCOME_UNKNOWN,
}


def use_lambda_code() -> None:
    """Put ``lambdas/`` on ``sys.path`` so the Lambdas' shared package is importable here."""
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))


def _environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if getattr(args, "endpoint", None):
        env["NEPTUNE_ENDPOINT"] = args.endpoint
    if getattr(args, "no_iam_auth", False):
        env["NEPTUNE_IAM_AUTH"] = "false"
    env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    return env


def _status_api(env: dict[str, str]) -> tuple[LoaderStatusApi, Settings]:
    use_lambda_code()
    from neptune_loader.neptune_client import LoaderStatusApi, create_client
    from neptune_loader.settings import load_settings

    settings = load_settings(env)
    return LoaderStatusApi(create_client(settings), settings), settings


def check_once(api: LoaderStatusApi, settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """Run the status Lambda's check for one event (same validation, same output)."""
    use_lambda_code()
    from neptune_loader.neptune_client import Deadline
    from neptune_loader.status_check import check_load_status
    from neptune_loader.validation import parse_status_event
    from neptune_loader.wait_policy import WaitPolicy

    request = parse_status_event(event)
    policy = WaitPolicy(min_wait=settings.min_wait_seconds, max_wait=settings.max_wait_seconds)
    return check_load_status(
        api, request, policy, Deadline(), max_errors_fetched=settings.max_errors_fetched
    )


def watch_load(
    load_id: str,
    check: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    sleep: Callable[[float], None],
    on_status: Callable[[dict[str, Any]], None],
    max_checks: int,
    max_total_wait: int,
    max_consecutive_retries: int,
    initial_wait: int = 0,
) -> tuple[int, dict[str, Any]]:
    """Poll like the workflow's loop until a terminal state or a bound; return (exit code, status).

    Each check gets what the loop's ``CheckLoadStatus`` sends (counters, the seconds waited with
    the wait just done, the last readable check's ``progressMark``, the bounds), so the wait
    policy decides as it does in the workflow. The bounds are checked as the state machine's
    ``WithinBounds`` choice does, after each non-terminal check: consecutive RETRY results, then
    checks made, then total wait.
    """
    checks = waited = retries = 0
    next_wait = initial_wait
    mark: Any = {"finishedFeeds": 0, "seenAt": 0}
    while True:
        if next_wait:
            sleep(next_wait)
        status = check(
            {
                "loadId": load_id,
                "checks": checks,
                "consecutiveRetries": retries,
                "progressMark": mark,
                "waitedSeconds": waited + next_wait,
                "maxChecks": max_checks,
                "maxTotalWaitSeconds": max_total_wait,
            }
        )
        on_status(status)
        if status.get("progressMark") is not None:  # null on RETRY: keep the last mark
            mark = status["progressMark"]
        if status["state"] == "SUCCEEDED":
            return EXIT_SUCCEEDED, status
        if status["state"] == "FAILED":
            return EXIT_LOAD_FAILED, status
        retries = retries + 1 if status["state"] == "RETRY" else 0
        checks += 1
        waited += next_wait
        next_wait = int(status.get("nextWaitSeconds") or 0)
        if retries >= max_consecutive_retries:
            return EXIT_STATUS_UNAVAILABLE, status
        if checks >= max_checks or waited >= max_total_wait:
            return EXIT_TIMED_OUT, status


def _poll_defaults() -> Any:
    use_lambda_code()  # the settings take the Lambdas' declared defaults
    from infrastructure.settings import PollSettings

    return PollSettings()


def cmd_status(args: argparse.Namespace) -> int:
    """``status LOAD_ID [--errors] [--json]``."""
    from loadctl.demo.display import format_status, to_json

    api, settings = _status_api(_environment(args))
    event: dict[str, Any] = {"loadId": args.load_id}
    if args.errors:
        event.update(includeErrors=True, page=args.page, errorsPerPage=args.errors_per_page)
    status = check_once(api, settings, event)
    print(to_json(status) if args.json else format_status(status))
    return EXIT_SUCCEEDED if status["state"] != "FAILED" else EXIT_LOAD_FAILED


def cmd_watch(args: argparse.Namespace) -> int:
    """``watch LOAD_ID``: poll until terminal with a progress bar; non-zero unless it succeeded."""
    from loadctl.demo.display import format_status, progress_line, to_json

    api, settings = _status_api(_environment(args))

    def show(status: dict[str, Any]) -> None:
        print(json.dumps(status) if args.json else progress_line(status), flush=True)

    code, status = watch_load(
        args.load_id,
        lambda event: check_once(api, settings, event),
        sleep=lambda seconds: args.sleep(seconds / args.time_scale),
        on_status=show,
        max_checks=args.max_checks,
        max_total_wait=args.max_total_wait,
        max_consecutive_retries=args.max_consecutive_retries,
    )
    if not args.json:
        print()
        print(format_status(status))
        if code == EXIT_TIMED_OUT:
            print("Gave up: the load was still running when a bound was reached.")
        elif code == EXIT_STATUS_UNAVAILABLE:
            print("Gave up: the status could not be read too many times in a row.")
    elif code:
        print(to_json(status), file=sys.stderr)
    return code


def cmd_start(args: argparse.Namespace) -> int:
    """``start``: submit a loader request (a JSON file and/or options) as the start Lambda does."""
    request: dict[str, Any] = json.loads(Path(args.request).read_text()) if args.request else {}
    for key, value in (
        ("source", args.source),
        ("format", args.format),
        ("iamRoleArn", args.iam_role_arn),
        ("region", args.region),
        ("mode", args.mode),
        ("parallelism", args.parallelism),
    ):
        if value is not None:
            request[key] = value
    if args.queue:
        request["queueRequest"] = True
    if args.no_fail_on_error:
        request["failOnError"] = False
    use_lambda_code()
    from dataclasses import replace

    from neptune_loader.loader_request import validate_loader_request
    from neptune_loader.neptune_client import create_client
    from neptune_loader.settings import load_settings
    from neptune_loader.start_load import start_load

    settings = load_settings(_environment(args))
    request = validate_loader_request(
        request, default_role_arn=settings.loader_role_arn, default_region=settings.region
    )
    # One attempt, as in the start Lambda: a lost answer must not start the load twice.
    load_id = start_load(create_client(replace(settings, max_attempts=1)), request)
    print(json.dumps({"loadId": load_id, "request": request}) if args.json else load_id)
    return EXIT_SUCCEEDED


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
        exit_code = _ERROR_EXIT_CODES.get(type(error).__name__)
        if exit_code is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return exit_code
    return code
