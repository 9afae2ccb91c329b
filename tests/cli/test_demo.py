"""``python -m loadctl demo``: which synthesized definition a scenario runs and which bounds apply.

The demo's runs themselves are the end-to-end tests' scenarios (tests/e2e); these pin how the
timeout scenario gets its shorter bound without a real synth per test.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import loadctl.demo
import loadctl.runner.cdk_out
from infrastructure.setting_declarations import DEFAULTS, POLL_MAX_TOTAL_WAIT
from loadctl.demo import poll_bounds, scenario_cloud_assembly
from loadctl.demo.scenarios import SCENARIOS, TIMEOUT_DEMO_BOUND_SECONDS


class RecordingSynth:
    """Stands in for the cdk CLI: records each synth and writes the folder it would write."""

    def __init__(self) -> None:
        self.calls: list[tuple[Path, dict[str, str]]] = []

    def __call__(self, out_dir: Path, context: dict[str, str]) -> Path:
        self.calls.append((out_dir, dict(context)))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "manifest.json").write_text("{}")
        return out_dir


@pytest.fixture
def synth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordingSynth:
    recorder = RecordingSynth()
    monkeypatch.setattr(loadctl.runner.cdk_out, "synthesize", recorder)
    monkeypatch.setattr(loadctl.demo, "DEMO_BUILD_DIR", tmp_path / "build")
    return recorder


def test_timeout_scenario_is_synthesized_with_its_bound_and_reused(
    synth: RecordingSynth, tmp_path: Path
) -> None:
    # Given the main synth in cdk.out
    cdk_out = tmp_path / "cdk.out"
    cdk_out.mkdir()
    (cdk_out / "NeptuneBulkLoad.template.json").write_text('{"Resources": {}}')
    scenario = SCENARIOS["timeout"]
    out = io.StringIO()
    # When the timeout scenario asks for its cloud assembly twice
    first = scenario_cloud_assembly(scenario, cdk_out, out)
    second = scenario_cloud_assembly(scenario, cdk_out, out)
    # Then one synth with the shorter bound, reused the second time, and the screen says so
    assert synth.calls == [(first, {"pollMaxTotalWaitSeconds": str(TIMEOUT_DEMO_BOUND_SECONDS)})]
    assert second == first != cdk_out
    assert f"-c pollMaxTotalWaitSeconds={TIMEOUT_DEMO_BOUND_SECONDS}" in out.getvalue()
    # And a change to the app (a new main template) synthesizes again
    (cdk_out / "NeptuneBulkLoad.template.json").write_text('{"Resources": {"X": {}}}')
    scenario_cloud_assembly(scenario, cdk_out, out)
    assert len(synth.calls) == 2


def test_other_scenarios_run_cdk_out_as_synthesized(synth: RecordingSynth, tmp_path: Path) -> None:
    assert scenario_cloud_assembly(SCENARIOS["success"], tmp_path, io.StringIO()) == tmp_path
    assert synth.calls == []


def test_shorter_bound_is_one_the_app_accepts() -> None:
    # app.py validates pollMaxTotalWaitSeconds (60 s .. 360 days); cdk.json keeps its default.
    shipped = json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())
    bound = DEFAULTS | shipped["context"]
    assert POLL_MAX_TOTAL_WAIT.low <= TIMEOUT_DEMO_BOUND_SECONDS < bound["pollMaxTotalWaitSeconds"]


def test_poll_bounds_reads_the_thresholds_of_the_poll_counters() -> None:
    definition = {
        "States": {
            "WithinBounds": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.poll.consecutiveRetries", "NumericGreaterThanEquals": 4},
                    {"Variable": "$.poll.checks", "NumericGreaterThanEquals": 500},
                    {"Variable": "$.poll.waitedSeconds", "NumericGreaterThanEquals": 600},
                ],
            },
            "IsDone": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.loadStatus.terminal", "BooleanEquals": True}],
            },
        }
    }
    assert poll_bounds(definition) == {"consecutiveRetries": 4, "checks": 500, "waitedSeconds": 600}
