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
import shlex
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from infrastructure.contract import CONNECTION_ERROR  # the status object's reason
from loadctl.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_STATUS_UNAVAILABLE,
    EXIT_SUCCEEDED,
    EXIT_TIMED_OUT,
    EXIT_UNREACHABLE,
    STATUS_EXIT_CODES,
    WATCH_EXIT_CODES,
)

if TYPE_CHECKING:
    from neptune_loader.settings import Settings
    from neptune_loader.wiring import StatusChecker

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"


def use_lambda_code() -> None:
    """Put ``lambdas/`` on ``sys.path`` so the Lambdas' shared package is importable here."""
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))


# Region given to the client of an unsigned request (the emulator), where no region is used.
UNSIGNED_REGION = "us-east-1"
# Before Neptune has answered once, this many connection errors in a row end `watch` with a hint,
# checked this many seconds apart (instead of the workflow's backoff and its RETRY bound).
UNREACHABLE_AFTER = 3
UNREACHABLE_PROBE_WAIT_SECONDS = 2


def region_of(env: dict[str, str]) -> str | None:
    """The region to sign for: the endpoint's own (signing for any other fails), else
    ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile's (``AWS_PROFILE``), else ``None``."""
    use_lambda_code()
    from neptune_loader.endpoints import endpoint_region

    named = endpoint_region(urlsplit(env.get("NEPTUNE_ENDPOINT", "")).hostname or "")
    if named:
        return named
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(name, "").strip():
            return env[name].strip()
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    try:
        region = botocore.session.Session().get_config_variable("region")
    except ProfileNotFound:
        return None
    return str(region) if region else None


def load_cli_settings(args: argparse.Namespace, *, region_needed: bool = False) -> Settings:
    """The Lambdas' settings from the environment and the command's connection options.

    The region comes from `region_of`; without one, only an unsigned request goes ahead (the
    emulator), unless ``region_needed`` (a loader request names its bucket's region).
    """
    use_lambda_code()
    from neptune_loader.exceptions import ConfigurationError
    from neptune_loader.settings import load_settings

    env = dict(os.environ)
    if getattr(args, "endpoint", None):
        env["NEPTUNE_ENDPOINT"] = args.endpoint
    if getattr(args, "no_iam_auth", False):
        env["NEPTUNE_IAM_AUTH"] = "false"
    region = region_of(env)
    settings = load_settings(env | {"AWS_REGION": region or UNSIGNED_REGION})
    if region is None and (settings.iam_auth or region_needed):
        raise ConfigurationError(
            "no AWS region: the endpoint is not <cluster>.<region>.neptune.amazonaws.com and "
            "neither AWS_REGION, AWS_DEFAULT_REGION nor the profile sets one; set AWS_REGION"
        )
    return settings


def _status_checker(settings: Settings) -> StatusChecker:
    use_lambda_code()
    from neptune_loader.wiring import status_checker

    return status_checker(settings)


def unreachable_hint(endpoint: str) -> str:
    """What to do when ``endpoint`` refuses or drops connections."""
    return (
        f"cannot reach {endpoint}: check the endpoint, the VPC/security group, "
        "or start the emulator with `python -m loadctl emulator`"
    )


class NeptuneUnreachable(Exception):
    """`watch` never reached Neptune: its first checks could not connect."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message"))
        self.status = status


def unreachable_guard(
    check: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``check`` that raises `NeptuneUnreachable` after `UNREACHABLE_AFTER` connection errors in
    a row before Neptune's first answer, probing every `UNREACHABLE_PROBE_WAIT_SECONDS` until
    then; once Neptune has answered, connection errors are the workflow's RETRY as before."""
    failures = 0
    answered = False

    def guarded(event: dict[str, Any]) -> dict[str, Any]:
        nonlocal failures, answered
        status = check(event)
        if answered or status.get("reason") != CONNECTION_ERROR:
            answered = True
            return status
        failures += 1
        if failures >= UNREACHABLE_AFTER:
            raise NeptuneUnreachable(status)
        return status | {"nextWaitSeconds": UNREACHABLE_PROBE_WAIT_SECONDS}

    return guarded


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
    """``status LOAD_ID [--errors] [--json]``: one check; the exit code says the state."""
    use_lambda_code()
    from loadctl.demo.display import format_status, to_json
    from neptune_loader.poll_loop import route

    settings = load_cli_settings(args)
    event: dict[str, Any] = {"loadId": args.load_id}
    if args.errors:
        event.update(includeErrors=True, page=args.page, errorsPerPage=args.errors_per_page)
    status = dict(_status_checker(settings).check_event(event))
    print(to_json(status) if args.json else format_status(status))
    if status.get("reason") == CONNECTION_ERROR:
        print(unreachable_hint(settings.endpoint), file=sys.stderr)
    return STATUS_EXIT_CODES[route(status)]


def watch_again(args: argparse.Namespace) -> str:
    """The command that watches the same load with the same options."""
    argv = ["python", "-m", "loadctl", "watch", args.load_id]
    if args.endpoint:
        argv += ["--endpoint", args.endpoint]
    if args.no_iam_auth:
        argv.append("--no-iam-auth")
    if args.json:
        argv.append("--json")
    if args.time_scale != 1:
        argv += ["--time-scale", f"{args.time_scale:g}"]
    return shlex.join(argv)


def cmd_watch(args: argparse.Namespace) -> int:
    """``watch LOAD_ID``: check until the load ends, as the workflow would; the exit code says how.

    On a terminal, rich's live progress display (`LiveWatch`); otherwise one plain line per check
    (or the status object as one JSON line with ``--json``).
    """
    from rich.console import Console

    from loadctl.demo.display import LiveWatch, check_line, format_status, to_json

    settings = load_cli_settings(args)
    checker = _status_checker(settings)
    console: Console = args.console or Console(highlight=False)
    live = LiveWatch(console, args.load_id) if console.is_terminal and not args.json else None

    def show(status: dict[str, Any]) -> None:
        if live is not None:
            live.show(status)
        else:
            print(json.dumps(status) if args.json else check_line(status), flush=True)

    def wait(seconds: float) -> None:
        if live is not None:
            live.waiting(seconds / args.time_scale)
        args.sleep(seconds / args.time_scale)

    try:
        with live or nullcontext():
            code, status = watch_load(
                args.load_id,
                unreachable_guard(lambda event: dict(checker.check_event(event))),
                sleep=wait,
                on_status=show,
                max_checks=args.max_checks,
                max_total_wait=args.max_total_wait,
                max_consecutive_retries=args.max_consecutive_retries,
            )
    except KeyboardInterrupt:
        print(
            f"\nStopped watching {args.load_id}: the load goes on in Neptune. "
            f"Watch it again with:\n  {watch_again(args)}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except NeptuneUnreachable:
        print(f"error: {unreachable_hint(settings.endpoint)}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if not args.json:
        print()
        print(format_status(status))
        if code == EXIT_TIMED_OUT:
            print("Gave up: the load was still running when a bound was reached.")
        elif code == EXIT_STATUS_UNAVAILABLE:
            print("Gave up: the status could not be read too many times in a row.")
    elif code:
        print(to_json(status), file=sys.stderr)
    if code == EXIT_STATUS_UNAVAILABLE and status.get("reason") == CONNECTION_ERROR:
        print(unreachable_hint(settings.endpoint), file=sys.stderr)
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
    from neptune_loader.start_load import start_load

    settings = load_cli_settings(args, region_needed=not request.get("region"))
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
