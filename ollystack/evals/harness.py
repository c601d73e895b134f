"""Run scenarios end to end in virtual time and score them.

For each scenario the harness starts `ollystack serve` on a fresh embedded store, sends the
scenario's history and evaluated stretch from the simulator as OTLP (virtual time, faults with
ground truth), and then replays the evaluated stretch through the detectors (metric anomalies and
log patterns) and the incident engine on a virtual clock, minute by minute (time to detect,
false-positive incidents). The
investigating agent does not exist yet: its part of the result is reported as missing (null),
never as zero.
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

from ..detect import LogIndexer, LogPatternDetector, MetricDetector, Scheduler
from ..incidents import IncidentManager
from ..incidents.functions import list_incidents
from ..incidents.notify import LogNotifier
from ..launch import launch
from ..simulate.clock import VirtualClock
from ..simulate.runner import SimSpec, backfill_parallel
from ..store import Store
from ..topology import TopologyRelations
from .scenario import Scenario, load_dir
from .scoring import ScenarioResult, Truth, false_positives, summarize, time_to_detect

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"
MISSING = ("investigation",)
DETECT_STEP = 60.0  # virtual seconds between detector cycles


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
    # the replay below runs the detectors in virtual time; the service that ingests the backfill must
    # not judge it (or index its logs, out of order) on its wall clock
    child = launch(workdir / "data", {"OLLYSTACK_LOG_LEVEL": "warning", "OLLYSTACK_DETECT_ENABLED": "false",
                                      "OLLYSTACK_LOG_PATTERNS_ENABLED": "false"})  # fmt: skip
    try:
        progress = backfill_parallel(spec, f"http://127.0.0.1:{child.otlp_http}", start, history_end + s.evaluate)
    finally:
        child.proc.terminate()
        child.proc.wait(120)
    # detectors watch the evaluated stretch only: false positives are per fault-free day of it
    result = ScenarioResult(s.name, fault_free_days=max(0.0, s.evaluate - _fault_seconds(s)) / 86_400)
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
        starts, note = _detect(store, history_end, history_end + s.evaluate)
    finally:
        store.close()
    ttd = time_to_detect(truth, starts)
    result.detected, result.ttd_seconds = ttd is not None, ttd
    result.fp_incidents = false_positives(starts, [truth] if truth.service else [])
    result.notes.append(note)
    result.notes.append(
        f"simulated {progress.requests:,} requests, {progress.spans:,} spans, {progress.logs:,} log records "
        f"in {progress.seconds:.0f} s; {truth.service} error ratio {_pct(before)} before the fault, "
        f"{_pct(during)} during it"
    )
    return result, truth


def _detect(store: Store, start: float, end: float) -> tuple[list[float], str]:
    """Replay [start, end) through the detectors (log patterns indexed first, metric anomalies, log
    patterns) and the incident engine in virtual time; returns when each incident opened."""
    clock = VirtualClock(start)
    manager = IncidentManager(store, clock, notifier=LogNotifier(), relations=TopologyRelations(store, clock))
    indexer = LogIndexer(store)
    indexer.catch_up("default", datetime.fromtimestamp(start, UTC))  # the history, as the service indexed it
    detector = MetricDetector(store)
    sched = Scheduler(store, clock, [indexer, detector, LogPatternDetector(store)], [manager])
    signals = sched.cycle()  # fits the models on the history
    while clock.now() + DETECT_STEP <= end:
        clock.advance(DETECT_STEP)
        signals += sched.cycle()
        manager.tick()
    incidents = list_incidents(store, "default")
    starts = sorted(i.opened_at.timestamp() for i in incidents)
    fired = [sig for sig in signals if sig.state == "firing"]
    from_logs = sum(1 for sig in fired if sig.kind.startswith("log_"))
    models = detector.model_names()
    titles = ", ".join(sorted({i.title for i in incidents}))[:300]
    return starts, (f"detectors: {len(fired)} signals ({from_logs} from logs), {len(incidents)} incidents "
                    f"({titles}); models {', '.join(models)}")  # fmt: skip


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
        result.notes.append("not graded: " + ", ".join(MISSING) + " (not built yet)")
        results.append(result)
        if on_scenario:
            on_scenario(result)
    return Report(results, summarize(results, truths), MISSING)
