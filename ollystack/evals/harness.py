"""Run scenarios end to end and score them.

Today the pipeline's later stages (detectors, incidents, the investigating agent) do not exist
yet, so a run validates each scenario against its shop and reports those stages as missing;
as they land, each fills in its part of `ScenarioResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .scenario import Scenario, load_dir
from .scoring import ScenarioResult, Truth, summarize

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"
MISSING = ("detectors", "incidents", "investigation")


@dataclass
class Report:
    results: list[ScenarioResult]
    summary: dict[str, object]
    missing: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "scenarios": [r.as_json() for r in self.results],
            "summary": self.summary,
            "missing": list(self.missing),
        }


def truth_of(s: Scenario) -> Truth:
    shop = s.shop()
    expected = s.expected
    role = expected.root_cause_role if expected else (s.faults[0].role if s.faults else "")
    kind = expected.kind.value if expected else (s.faults[0].kind.value if s.faults else "")
    first = s.faults[0] if s.faults else None
    start = s.history + (first.start if first else 0.0)
    return Truth(shop.name_of(role) if role else "", kind, start, start + (first.duration if first else 0.0))


def run(folder: Path | None = None) -> Report:
    scenarios = load_dir(folder or DEFAULT_SCENARIOS)
    results, truths = [], {}
    for s in scenarios:
        truths[s.name] = truth_of(s)
        result = ScenarioResult(s.name)
        result.notes.append("not run: " + ", ".join(MISSING) + " are not built yet")
        results.append(result)
    return Report(results, summarize(results, truths), MISSING)
