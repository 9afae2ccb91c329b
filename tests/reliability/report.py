"""Run the reliability suite and turn its ledger into the figures of docs/reliability.md.

Usage: ``.venv/bin/python tests/reliability/report.py [--fuzz] [--json docs/reliability.json]``.
Prints a Markdown table (paste it into docs/reliability.md) and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_suite(ledger: Path, *, fuzz: bool) -> int:
    """Run tests/reliability with the ledger enabled; returns pytest's exit code."""
    env = dict(os.environ, RELIABILITY_LEDGER=str(ledger))
    if fuzz:
        env["RELIABILITY_FUZZ"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/reliability"]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode


def summarize(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures by category and overall."""
    categories: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"tried": 0, "handled": 0, "falseSuccesses": 0, "invocations": 0,
                 "worstSeconds": 0.0, "largestBytes": 0}
    )  # fmt: skip
    for outcome in outcomes:
        figures = categories[outcome["category"]]
        figures["tried"] += 1
        figures["handled"] += int(outcome["handled"])
        figures["falseSuccesses"] += int(outcome["false_success"])
        figures["invocations"] += outcome["invocations"]
        figures["worstSeconds"] = round(max(figures["worstSeconds"], outcome["worst_seconds"]), 2)
        figures["largestBytes"] = max(figures["largestBytes"], outcome["largest_bytes"])
    total = {
        key: (max if key in ("worstSeconds", "largestBytes") else sum)(
            figures[key] for figures in categories.values()
        )
        for key in (
            "tried",
            "handled",
            "falseSuccesses",
            "invocations",
            "worstSeconds",
            "largestBytes",
        )
    }
    scenarios = [
        {k: outcome[k] for k in ("category", "scenario", "handled", "false_success",
                                 "invocations", "worst_seconds", "largest_bytes", "detail")}
        for outcome in outcomes
        if outcome["category"] != "property"
    ]  # fmt: skip
    return {"total": total, "byCategory": dict(sorted(categories.items())), "scenarios": scenarios}


def markdown(figures: dict[str, Any]) -> str:
    """The summary table of docs/reliability.md."""
    lines = [
        "| category | tried | handled | false successes | invocations | worst invocation (s) | largest output (bytes) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [*figures["byCategory"].items(), ("**total**", figures["total"])]
    for name, f in rows:
        lines.append(
            f"| {name} | {f['tried']:,} | {f['handled']:,} | {f['falseSuccesses']} | "
            f"{f['invocations']:,} | {f['worstSeconds']} | {f['largestBytes']:,} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run, summarize, print, write."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fuzz", action="store_true", help="50x the Hypothesis examples")
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "docs" / "reliability.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "ledger.jsonl"
        code = run_suite(ledger, fuzz=args.fuzz)
        outcomes = [json.loads(line) for line in ledger.read_text().splitlines()]
    figures = summarize(outcomes)
    figures["suitePassed"] = code == 0
    args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
    print(markdown(figures))
    return code


if __name__ == "__main__":
    sys.exit(main())
