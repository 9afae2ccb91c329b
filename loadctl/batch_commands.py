"""``batch FILE.json`` and ``batch --watch ID...``: a batch of loads from the command line.

Runs the batch controller's own cycle (``lambdas/batch_loader/controller.py``) against Neptune or
the emulator: the same validation, the same sends (the start Lambda's code), the same checks
(``StatusChecker``) and waits as the batch workflow; prints one line per load and a total.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path
from typing import Any

from loadctl.batch_display import batch_cause_lines, batch_load_lines, batch_result_lines
from loadctl.exit_codes import EXIT_LOAD_FAILED, EXIT_SUCCEEDED
from loadctl.load_commands import load_cli_settings, use_lambda_code

# One cycle's sends and checks get this long, as a call of the batch Lambda does.
CYCLE_SECONDS = 120.0


def _time_left(deadline: float) -> float:
    return deadline - time.monotonic()


def cmd_batch(args: argparse.Namespace) -> int:
    """Send the batch in ``args.file`` (or watch ``args.watch``) until its verdict."""
    use_lambda_code()
    from batch_loader.batch_input import validate_batch
    from batch_loader.controller import Cycle, new_records, run_cycle, watched_batch
    from neptune_loader.defaults import BATCH_MAX_CYCLES
    from neptune_loader.exceptions import InvalidInputError
    from neptune_loader.neptune_client import (
        LoaderStatusApi,
        create_start_client,
        create_status_client,
    )
    from neptune_loader.start_load import start_load
    from neptune_loader.validation import validate_load_id
    from neptune_loader.wiring import status_checker

    raw = json.loads(Path(args.file).read_text()) if args.file and not args.watch else None
    # A batch names its buckets' region through the defaults or each load (else the region the
    # requests are signed for is used, so one is needed); the watch needs none.
    settings = load_cli_settings(args, region_needed=raw is not None and not _names_region(raw))
    if args.watch:
        ids = [validate_load_id(i, f"--watch {i}") for i in args.watch]
        batch, records = watched_batch(ids)
        max_resubmits = 0
    elif raw is not None:
        batch = validate_batch(
            raw, default_role_arn=settings.loader_role_arn, default_region=settings.region
        )
        records, max_resubmits = new_records(batch), args.max_resubmits
    else:
        raise InvalidInputError("give a batch file (FILE.json) or --watch LOAD_ID ...")
    checker = status_checker(settings)
    client = create_start_client(settings) if not args.watch else None
    reader = create_status_client(settings)
    statuses = LoaderStatusApi(reader, settings)

    def start(request: dict[str, Any]) -> str:
        # The start Lambda's code: lists first, adopts what an unanswered start created.
        return start_load(client, reader, statuses, request).load_id  # type: ignore[arg-type]

    names = [load.name for load in batch.loads]
    progress: dict[str, Any] = {"loads": records}
    shown: list[str] = []
    while True:
        cycle = Cycle(
            start=start,
            check=checker.check,
            time_left=partial(_time_left, time.monotonic() + CYCLE_SECONDS),
            policy=checker.policy,
            max_resubmits=max_resubmits,
        )
        state = run_cycle(batch, progress, cycle, max_cycles=args.max_cycles or BATCH_MAX_CYCLES)
        lines = batch_load_lines(names, progress)
        if lines[:-1] != shown and not args.json:
            print("\n".join(lines), flush=True)
            shown = lines[:-1]
        if state["outcome"] != "RUNNING":
            break
        args.sleep(state["wait"] / args.time_scale)
    if state["outcome"] == "SUCCEEDED":
        print(json.dumps(state["result"], indent=2) if args.json else "")
        if not args.json:
            print("\n".join(batch_result_lines(state["result"]["loads"])))
        return EXIT_SUCCEEDED
    cause = json.loads(state["cause"])
    if not args.json:
        print("\n".join(batch_cause_lines(cause)))
    print(json.dumps(cause, indent=2))
    return EXIT_LOAD_FAILED


def _declared_max_resubmits() -> int:
    use_lambda_code()  # the declarations read the Lambdas' defaults
    from infrastructure.setting_declarations import MAX_RESUBMITS

    return int(MAX_RESUBMITS.default)


def add_batch_arguments(batch: argparse.ArgumentParser) -> None:
    """The ``batch`` subcommand's own options (the CLI adds the connection options)."""
    batch.add_argument(
        "file", nargs="?", metavar="FILE.json", help="the batch input (docs/contract.md, Batch)"
    )
    batch.add_argument(
        "--watch", nargs="+", metavar="LOAD_ID", help="watch these loads as one batch instead"
    )
    batch.add_argument(
        "--max-resubmits",
        type=int,
        default=_declared_max_resubmits(),
        metavar="N",
        help="RESUME resubmissions of a retryable failure (default: the deployment's, %(default)s)",
    )
    batch.add_argument(
        "--max-cycles",
        type=int,
        default=0,
        metavar="N",
        help="give up after N cycles (default: the batch workflow's bound)",
    )
    batch.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="divide waits by X (for a sped-up emulator)",
    )
    batch.set_defaults(func=cmd_batch)


def _names_region(raw: object) -> bool:
    """Whether every load of a batch file names its bucket's region (the defaults or each load)."""
    if not isinstance(raw, dict):
        return False
    defaults, loads = raw.get("defaults"), raw.get("loads")
    if isinstance(defaults, dict) and defaults.get("region"):
        return True
    return (
        isinstance(loads, list)
        and bool(loads)
        and all(isinstance(load, dict) and load.get("region") for load in loads)
    )
