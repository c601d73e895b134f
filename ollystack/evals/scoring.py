"""Scores of detection and investigation quality, per scenario and over a suite.

Definitions (the usual ones in root-cause-analysis work):
- time to detect: data time from the fault's start to the first incident that covers it;
- AC@k: the share of scenarios whose true root cause (service and fault kind) is among the
  top k hypotheses; Avg@5 is the mean of AC@1..AC@5;
- Brier score: the mean squared gap between each hypothesis's confidence and whether it was
  the true root cause (0 is perfect, 0.25 is a coin);
- false positives per day: incidents opened while no fault was active, per fault-free day.

A part that has not run (no detector, no agent) is reported as missing (None), never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hypothesis:
    service: str
    kind: str
    confidence: float  # in [0, 1]


@dataclass(frozen=True)
class Truth:
    service: str
    kind: str
    start: float
    end: float


@dataclass
class ScenarioResult:
    name: str
    detected: bool | None = None  # None: no detector ran
    ttd_seconds: float | None = None
    root_cause_rank: int | None = None  # 1-based; None when not found or no agent ran
    hypotheses: list[Hypothesis] | None = None  # None: no agent ran
    fp_incidents: int | None = None
    fault_free_days: float = 0.0
    runbook_fits: bool | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "detected": self.detected,
            "ttd_seconds": self.ttd_seconds,
            "root_cause_rank": self.root_cause_rank,
            "fp_incidents": self.fp_incidents,
            "fault_free_days": self.fault_free_days,
            "runbook_fits": self.runbook_fits,
            "hypotheses": None if self.hypotheses is None else [h.__dict__ for h in self.hypotheses],
            "notes": self.notes,
        }


def time_to_detect(truth: Truth, incident_starts: Sequence[float]) -> float | None:
    """Seconds from the fault's start to the first incident opened while it was active (or None)."""
    hits = [t for t in incident_starts if truth.start <= t <= truth.end]
    return min(hits) - truth.start if hits else None


def false_positives(incident_starts: Sequence[float], truths: Sequence[Truth], grace: float = 900.0) -> int:
    """Incidents opened outside every fault (plus `grace` seconds after it, while it recovers)."""
    return sum(1 for t in incident_starts if not any(tr.start <= t <= tr.end + grace for tr in truths))


def root_cause_rank(hypotheses: Sequence[Hypothesis], truth: Truth) -> int | None:
    """1-based rank of the first hypothesis naming the true service and fault kind."""
    ordered = sorted(hypotheses, key=lambda h: -h.confidence)
    for i, h in enumerate(ordered, 1):
        if h.service == truth.service and h.kind == truth.kind:
            return i
    return None


def ac_at(ranks: Sequence[int | None], k: int) -> float:
    """AC@k over scenarios (a missing rank counts as a miss)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def avg_at_5(ranks: Sequence[int | None]) -> float:
    return sum(ac_at(ranks, k) for k in range(1, 6)) / 5


def brier(pairs: Sequence[tuple[float, bool]]) -> float:
    """Mean squared error of confidences against outcomes."""
    if not pairs:
        raise ValueError("no hypotheses to score")
    return sum((conf - float(hit)) ** 2 for conf, hit in pairs) / len(pairs)


def summarize(results: Sequence[ScenarioResult], truths: dict[str, Truth]) -> dict[str, object]:
    """The suite summary; each figure is None when the part it measures did not run."""
    detections = [r.detected for r in results if r.detected is not None]
    investigated = [r for r in results if r.hypotheses is not None]
    ranks = [r.root_cause_rank for r in investigated]
    pairs = [
        (h.confidence, h.service == truths[r.name].service and h.kind == truths[r.name].kind)
        for r in investigated
        for h in r.hypotheses or []
    ]
    fp_runs = [r for r in results if r.fp_incidents is not None]
    free_days = sum(r.fault_free_days for r in fp_runs)
    return {
        "scenarios": len(results),
        "detected": sum(detections) / len(detections) if detections else None,
        "ac1": ac_at(ranks, 1) if investigated else None,
        "ac3": ac_at(ranks, 3) if investigated else None,
        "avg5": avg_at_5(ranks) if investigated else None,
        "brier": brier(pairs) if pairs else None,
        "fp_per_day": sum(r.fp_incidents or 0 for r in fp_runs) / free_days if fp_runs and free_days else None,
    }
