"""``python -m bench`` (``make bench``): measure the status Lambda and its wait policy, write
docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks-polling.png."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure_requirements() -> None:
    """Install bench/requirements.txt into this interpreter when a package is missing, with the
    Lambda's pins as constraints so the measured boto3/botocore stay the shipped ones."""
    if all(importlib.util.find_spec(name) for name in ("awswrangler", "matplotlib")):
        return
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(ROOT / "bench" / "requirements.txt"),
         "-c", str(ROOT / "lambdas" / "requirements.txt")],
        check=True,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and write the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="fresh processes per cold start")
    parser.add_argument("--iterations", type=int, default=2000, help="warm calls of each kind")
    parser.add_argument("--loads", type=int, default=12, help="simulated loads per profile")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="report folder")
    args = parser.parse_args(argv)
    ensure_requirements()
    sys.path.insert(0, str(ROOT / "lambdas"))
    from bench.run import run_all

    run_all(runs=args.runs, iterations=args.iterations, loads_per_profile=args.loads, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
