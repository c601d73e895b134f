"""Scenario files: the shipped ones load; bad ones are refused naming file and field; the report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ollystack.evals.harness import DEFAULT_SCENARIOS
from ollystack.evals.scenario import ScenarioError, load, load_dir

GOOD = """
name: x
seed: 0
history: 2h
evaluate: 1h
faults:
  - {kind: bad_deploy, role: payments, start: 10m, duration: 20m}
expected: {root_cause_role: payments, kind: bad_deploy}
"""


def test_shipped_scenarios_load_and_cover_every_fault_kind_on_many_shops():
    from ollystack.simulate.faults import FaultKind

    scenarios = load_dir(DEFAULT_SCENARIOS)
    assert len(scenarios) >= 20
    assert {f.kind for s in scenarios for f in s.faults} == set(FaultKind)
    shops = {s.seed for s in scenarios}
    assert len(shops) >= 10
    assert len({s.shop().name_of("payments") for s in scenarios}) > 1  # services renamed by seed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("bad_deploy, role: payments", "exploded, role: payments"), "faults.0.kind"),
        (("role: payments, start", "role: nobody, start"), "faults[0].role: 'nobody'"),
        (("duration: 20m", "duration: 2h"), "ends after the evaluated stretch"),
        (("history: 2h", "history: soon"), "history"),
        (("seed: 0", "seed: 0\ncolour: red"), "colour"),
    ],
)
def test_bad_scenarios_are_refused_naming_file_and_field(tmp_path, change, message):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert "broken.yaml" in str(err.value) and message in str(err.value)


def test_eval_run_writes_the_report_with_missing_parts_as_null(tmp_path):
    (tmp_path / "one.yaml").write_text(GOOD)
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "eval", "run", "--no-simulate", "--scenarios", str(tmp_path),
         "--json", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    assert report["summary"] == {"scenarios": 1, "detected": None, "ac1": None, "ac3": None, "avg5": None,
                                 "brier": None, "fp_per_day": None}  # fmt: skip
    assert report["scenarios"][0]["name"] == "x" and report["scenarios"][0]["detected"] is None
    (tmp_path / "two.yaml").write_text(GOOD)  # the same name twice
    dup = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "eval", "run", "--no-simulate", "--scenarios", str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert dup.returncode == 2 and "used twice" in dup.stderr


def test_eval_run_simulates_each_scenario_into_a_fresh_store(tmp_path):
    (tmp_path / "quick.yaml").write_text(
        GOOD.replace("history: 2h", "history: 30m")
        .replace("evaluate: 1h", "evaluate: 40m")
        .replace("seed: 0", "seed: 0\nrps: 0.5")
    )
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "eval", "run", "--scenarios", str(tmp_path), "--json", str(out)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())["scenarios"][0]
    simulated = next(n for n in result["notes"] if n.startswith("simulated"))
    # the ground truth shows in the stored telemetry: payments fails far more during its bad deploy
    before, during = (float(x.split("%")[0]) for x in simulated.split("error ratio ")[1].split(" before the fault, "))
    assert during > 3 * max(before, 0.5)
    # the detectors and the incident engine ran over the evaluated stretch in virtual time
    assert isinstance(result["detected"], bool) and isinstance(result["fp_incidents"], int)
    assert result["fault_free_days"] > 0
    assert any(n.startswith("detectors: ") for n in result["notes"])
