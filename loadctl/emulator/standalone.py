"""Run the emulator as a process: ``python -m loadctl.emulator --port 8182``."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from loadctl.exit_codes import EXIT_SUCCEEDED, EXIT_USAGE, help_epilog


def build_parser(prog: str = "python -m loadctl.emulator") -> argparse.ArgumentParser:
    """The command-line options, also of ``python -m loadctl emulator`` (which passes its ``prog``);
    the help ends with the exit codes, as every command's does."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=textwrap.fill(
            "Serve Neptune's bulk loader HTTP API locally, reading 'S3' from a folder, until "
            "Ctrl-C.",
            width=78,
        ),
        epilog=help_epilog("emulator"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8182, help="port (default 8182, 0 = any free)")
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path("samples"),
        help="folder standing in for S3: s3://bucket/prefix -> DATA_ROOT/bucket/prefix",
    )
    parser.add_argument(
        "--records-per-second", type=float, default=50.0, help="load speed (default 50)"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second (default 1)"
    )
    parser.add_argument("--region", default=None, help="reject start requests for other regions")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Serve until interrupted (Ctrl-C); returns the process exit code."""
    from loadctl.emulator.clock import RealClock
    from loadctl.emulator.server_lifecycle import EmulatorServer, NeptuneLoaderEmulator

    args = (build_parser(prog) if prog else build_parser()).parse_args(argv)
    if not args.data_root.is_dir():
        print(f"data root {args.data_root} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    emulator = NeptuneLoaderEmulator(
        data_root=args.data_root,
        clock=RealClock(speed=args.speed),
        records_per_second=args.records_per_second,
        region=args.region,
    )
    try:
        server = EmulatorServer(emulator, args.host, args.port)
    except OSError as error:  # the port is taken, the host is not this machine's...
        print(f"cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Neptune loader emulator on {server.endpoint} (data root {args.data_root})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return EXIT_SUCCEEDED
