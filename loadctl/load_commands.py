"""``status``, ``watch`` and ``start``: the commands that talk to Neptune, through the Lambdas' code.

Talks to a real cluster (``NEPTUNE_ENDPOINT``, standard AWS credentials, SigV4 unless
``NEPTUNE_IAM_AUTH=false``) or to the emulator. ``status`` and ``watch`` check through the status
Lambda's own wiring (``neptune_loader.wiring``) and ``watch`` runs the workflow's loop
(``neptune_loader.poll_loop``), so what the CLI shows is what the workflow decides; ``start``
uses the start Lambda's client and code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadctl.exit_codes import (
    EXIT_LOAD_FAILED,
    EXIT_STATUS_UNAVAILABLE,
    EXIT_SUCCEEDED,
    EXIT_TIMED_OUT,
    WATCH_EXIT_CODES,
)

if TYPE_CHECKING:
    from neptune_loader.wiring import StatusChecker

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"


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


def _status_checker(env: dict[str, str]) -> StatusChecker:
    use_lambda_code()
    from neptune_loader.settings import load_settings
    from neptune_loader.wiring import status_checker

    return status_checker(load_settings(env))


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
    """Poll like the workflow's loop until it would end; return (exit code, last status).

    The loop's state and rules are the workflow's (``neptune_loader.poll_loop``): each check gets
    what ``CheckLoadStatus`` sends, so the wait policy decides as it does in the workflow, and the
    bounds are checked as ``WithinBounds`` does, after each non-terminal check.
    """
    use_lambda_code()
    from neptune_loader.poll_loop import LoopBounds, PollState, step

    bounds = LoopBounds(max_checks, max_total_wait, max_consecutive_retries)
    poll = PollState.start(initial_wait)
    while True:
        if poll.next_wait_seconds:
            sleep(poll.next_wait_seconds)
        status = check(poll.check_event(load_id, bounds))
        on_status(status)
        poll, ending = step(poll, status, bounds)
        if ending is not None:
            return WATCH_EXIT_CODES[ending], status


def cmd_status(args: argparse.Namespace) -> int:
    """``status LOAD_ID [--errors] [--json]``."""
    from loadctl.demo.display import format_status, to_json

    checker = _status_checker(_environment(args))
    event: dict[str, Any] = {"loadId": args.load_id}
    if args.errors:
        event.update(includeErrors=True, page=args.page, errorsPerPage=args.errors_per_page)
    status = dict(checker.check_event(event))
    print(to_json(status) if args.json else format_status(status))
    return EXIT_SUCCEEDED if status["state"] != "FAILED" else EXIT_LOAD_FAILED


def cmd_watch(args: argparse.Namespace) -> int:
    """``watch LOAD_ID``: poll until terminal with a progress bar; non-zero unless it succeeded."""
    from loadctl.demo.display import format_status, progress_line, to_json

    checker = _status_checker(_environment(args))

    def show(status: dict[str, Any]) -> None:
        print(json.dumps(status) if args.json else progress_line(status), flush=True)

    code, status = watch_load(
        args.load_id,
        lambda event: dict(checker.check_event(event)),
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
    from neptune_loader.loader_request import validate_loader_request
    from neptune_loader.neptune_client import (
        LoaderStatusApi,
        create_start_client,
        create_status_client,
    )
    from neptune_loader.settings import load_settings
    from neptune_loader.start_load import start_load

    settings = load_settings(_environment(args))
    request = validate_loader_request(
        request, default_role_arn=settings.loader_role_arn, default_region=settings.region
    )
    # The start Lambda's code: one attempt (a lost answer must not start the load twice: the
    # load it may have started is looked for and adopted), and time for Neptune to list the
    # source before it answers.
    reader = create_status_client(settings)
    started = start_load(
        create_start_client(settings), reader, LoaderStatusApi(reader, settings), request
    )
    if args.json:
        print(
            json.dumps({"loadId": started.load_id, "request": request, "adopted": started.adopted})
        )
    else:
        print(started.load_id)
    return EXIT_SUCCEEDED
