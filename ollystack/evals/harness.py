"""Run scenarios end to end in virtual time and score them.

For each scenario the harness starts `ollystack serve` on a fresh embedded store, sends the
scenario's history and evaluated stretch from the simulator as OTLP (virtual time, faults with
ground truth), and then runs the stages that grade it. Detectors, incidents and the
investigating agent do not exist yet: their parts of the result are reported as missing (null),
never as zero, and each fills its part in as it lands.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..launch import launch
from ..simulate.runner import SimSpec, backfill_parallel
from ..store import Store
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


def placed(s: Scenario, now: float) -> tuple[float, float]:
    """(history start, history end) in real time: the evaluated stretch ends on the last whole hour,
    so every item is inside the store's retention."""
    eval_end = math.floor(now / 3600) * 3600
    history_end = eval_end - s.evaluate
    return history_end - s.history, history_end


def truth_of(s: Scenario, history_end: float) -> Truth:
    shop = s.shop()
    first = s.faults[0] if s.faults else None
    role = s.expected.root_cause_role if s.expected else (first.role if first else "")
    kind = s.expected.kind.value if s.expected else (first.kind.value if first else "")
    start = history_end + (first.start if first else 0.0)
    return Truth(shop.name_of(role) if role else "", kind, start, start + (first.duration if first else 0.0))


def _simulate(s: Scenario, workdir: Path, now: float) -> tuple[ScenarioResult, Truth]:
    start, history_end = placed(s, now)
    truth = truth_of(s, history_end)
    spec = SimSpec(seed=s.seed, rps=s.rps, faults=tuple(s.faults_at(history_end)))
    child = launch(workdir / "data", {"OLLYSTACK_LOG_LEVEL": "warning"})
    try:
        progress = backfill_parallel(spec, f"http://127.0.0.1:{child.otlp_http}", start, history_end + s.evaluate)
    finally:
        child.proc.terminate()
        child.proc.wait(120)
    result = ScenarioResult(s.name, fault_free_days=(s.history + s.evaluate - _fault_seconds(s)) / 86_400)
    store = Store(f"chdb://{workdir / 'data'}")
    try:
        before, during = (
            store.scope("default")
            .query(
                """
            SELECT avgIf(StatusCode = 'Error', Timestamp < {start:DateTime64(9)}),
                   avgIf(StatusCode = 'Error', Timestamp >= {start:DateTime64(9)} AND Timestamp < {end:DateTime64(9)})
            FROM otel_traces WHERE ServiceName = {service:String}
            """,
                {
                    "start": datetime.fromtimestamp(truth.start, UTC),
                    "end": datetime.fromtimestamp(truth.end, UTC),
                    "service": truth.service,
                },
            )
            .result_rows[0]
        )
    finally:
        store.close()
    result.notes.append(
        f"simulated {progress.requests:,} requests, {progress.spans:,} spans, {progress.logs:,} log records "
        f"in {progress.seconds:.0f} s; {truth.service} error ratio {_pct(before)} before the fault, "
        f"{_pct(during)} during it"
    )
    return result, truth


def _fault_seconds(s: Scenario) -> float:
    return sum(f.duration for f in s.faults)


def _pct(v: float | None) -> str:
    return "-" if v is None or math.isnan(v) else f"{100 * v:.1f}%"  # NaN when no spans matched


def run(
    folder: Path | None = None,
    simulate: bool = True,
    on_scenario: Callable[[ScenarioResult], None] | None = None,
) -> Report:
    scenarios = load_dir(folder or DEFAULT_SCENARIOS)
    now = time.time()
    results, truths = [], {}
    for s in scenarios:
        if simulate:
            work = Path(tempfile.mkdtemp(prefix=f"ollystack-eval-{s.name}-"))
            try:
                result, truths[s.name] = _simulate(s, work, now)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        else:
            result, truths[s.name] = ScenarioResult(s.name), truth_of(s, placed(s, now)[1])
        result.notes.append("not graded: " + ", ".join(MISSING) + " are not built yet")
        results.append(result)
        if on_scenario:
            on_scenario(result)
    return Report(results, summarize(results, truths), MISSING)
