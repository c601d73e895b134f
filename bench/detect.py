"""Metric anomaly detection: cycle time on 1,000 series and quality on a labelled suite.

(a) Cycle time: 1,000 series of 14 days of minute data, generated in memory (the labelled suite's
mix of families, another seed), so every model `auto` picks is in the mix. The cold start (the
daily retrain) fits every series' model on its whole history; the steady cycle scores the newest
minute of every series with its context, as the live detector does every minute. In the same
run the rolling z-score (mean and deviation of the previous 60 points) does the same work on the
same series, as the reference. Timings are one process, one series after the other.

(b) Quality: the labelled suite of `ollystack.evals.series_suite` (anomalies injected in the
second week), scored event by event over the second week: the detector (fa_rate 1e-4, model auto)
through `walk_forward` against the z-score at the threshold that gives it its best F1 on the
same suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ollystack.detect.anomaly import CONTEXT, AnomalyDetector, walk_forward
from ollystack.evals import series_suite as ss

FA_RATE = 1e-4


def cycle_time(n: int, seed: int, cycles: int) -> dict[str, object]:
    """Fit all `n` series (cold), then time steady cycles that score each series' newest minute."""
    suite = ss.make_suite(n, seed=seed)
    det = AnomalyDetector(FA_RATE, "auto")
    fitted = []
    per_model: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    for s in suite:
        t = time.perf_counter()
        f = det.fit(s.ts[:-1], s.y[:-1])
        per_model.setdefault(f.name, []).append(time.perf_counter() - t)
        fitted.append(f)
    cold = time.perf_counter() - t0
    steady = []
    for _ in range(cycles):
        t = time.perf_counter()
        for s, f in zip(suite, fitted, strict=True):
            det.score(f, s.ts[-1:], s.y[-1:], s.ts[-1 - CONTEXT : -1], s.y[-1 - CONTEXT : -1])
        steady.append(time.perf_counter() - t)
    # the reference: the rolling z-score over the same series (whole history, then newest minute)
    t = time.perf_counter()
    for s in suite:
        ss.rolling_z(s.y)
    z_cold = time.perf_counter() - t
    z_steady = []
    for _ in range(cycles):
        t = time.perf_counter()
        for s in suite:
            ss.rolling_z(s.y[-1 - ss.ZSCORE_WINDOW :])
        z_steady.append(time.perf_counter() - t)
    return {
        "series": n,
        "points_per_series": int(suite[0].ts.size),
        "cold_fit_s": round(cold, 2),
        "steady_cycle_s": round(statistics.median(steady), 4),
        "steady_cycles_s": [round(x, 4) for x in steady],
        "models": {k: len(v) for k, v in sorted(per_model.items())},
        "fit_s_per_series_by_model": {k: round(statistics.fmean(v), 4) for k, v in sorted(per_model.items())},
        "zscore_full_history_s": round(z_cold, 3),
        "zscore_steady_cycle_s": round(statistics.median(z_steady), 4),
    }


def _walk(args: tuple[ss.LabelledSeries, float]) -> tuple[np.ndarray, str, float]:
    s, fa = args
    t = time.perf_counter()
    _, flags, models = walk_forward(AnomalyDetector(fa, "auto"), s.ts, s.y)
    return flags, models[-1].name, time.perf_counter() - t


def quality(n: int, seed: int, workers: int) -> dict[str, object]:
    suite = ss.make_suite(n, seed=seed)
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        out = list(pool.map(_walk, [(s, FA_RATE) for s in suite], chunksize=4))
    wall = time.perf_counter() - t
    det_res = [ss.score_events(s, flags) for s, (flags, _, _) in zip(suite, out, strict=True)]
    t = time.perf_counter()
    zs = [ss.rolling_z(s.y) for s in suite]
    z_time = time.perf_counter() - t
    thr, tried = ss.best_threshold(zs, suite)
    z_res = [ss.score_events(s, z > thr) for s, z in zip(suite, zs, strict=True)]
    chosen = Counter(f"{s.family}:{name}" for s, (_, name, _) in zip(suite, out, strict=True))
    return {
        "series": n,
        "seed": seed,
        "scored_days_per_series": 7,
        "detector": {
            "fa_rate": FA_RATE,
            "model": "auto",
            **ss.summarize(det_res),
            "walk_forward_wall_s": round(wall, 1),
            "walk_forward_s_per_series": round(statistics.fmean(x for _, _, x in out), 3),
            "workers": workers,
            "by_kind": ss.breakdown(det_res, ss.by_kind),
            "by_family": ss.breakdown(det_res, ss.by_family),
            "models_last_fit": dict(sorted(chosen.items())),
        },
        "zscore": {
            "window": ss.ZSCORE_WINDOW,
            "threshold": thr,
            "by_threshold": {
                str(t): {k: r[k] for k in ("f1", "precision", "recall", "false_alarms_per_series_day")}
                for t, r in tried.items()
            },
            **ss.summarize(z_res),
            "compute_s": round(z_time, 2),
            "by_kind": ss.breakdown(z_res, ss.by_kind),
            "by_family": ss.breakdown(z_res, ss.by_family),
        },
    }


def _fmt(x: object, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=1000, help="series for the cycle-time part")
    ap.add_argument("--suite", type=int, default=240, help="labelled series for the quality part")
    ap.add_argument("--cycles", type=int, default=5, help="steady cycles to time")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-cycle", action="store_true", help="only the labelled suite")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "detect.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    result: dict[str, object] = {}
    if not args.skip_cycle:
        c = cycle_time(args.series, args.seed + 1, args.cycles)
        result["cycle"] = c
        print(f"cycle time, {c['series']} series x {c['points_per_series']:,} minutes (one process)")
        print(f"  models chosen: {c['models']}")
        print(f"  cold start, fit all: {c['cold_fit_s']:.1f} s   (z-score over all history: "
              f"{c['zscore_full_history_s']:.2f} s)")  # fmt: skip
        print(f"  steady cycle, newest minute of all: {c['steady_cycle_s']:.3f} s   (z-score: "
              f"{c['zscore_steady_cycle_s']:.3f} s)")  # fmt: skip
    q = quality(args.suite, args.seed, args.workers)
    result["quality"] = q
    d, z = q["detector"], q["zscore"]
    assert isinstance(d, dict) and isinstance(z, dict)
    print(f"labelled suite: {q['series']} series, {d['anomalies']} anomalies, second week scored")
    print(f"  {'':28}{'precision':>10}{'recall':>8}{'F1':>7}{'FA/series-day':>15}{'TTD mean':>10}{'median':>8}")
    for label, r in ((f"detector (fa_rate {FA_RATE:g})", d), (f"z-score (|z| > {z['threshold']:g})", z)):
        print(f"  {label:28}{_fmt(r['precision']):>10}{_fmt(r['recall']):>8}{_fmt(r['f1']):>7}"
              f"{_fmt(r['false_alarms_per_series_day']):>15}{_fmt(r['ttd_mean_min'], '.1f'):>10}"
              f"{_fmt(r['ttd_median_min'], '.1f'):>8}")  # fmt: skip
    sweep = ", ".join(f"{t}: {r['f1']:.2f}" for t, r in z["by_threshold"].items())
    print(f"  z-score threshold: the best F1 of {sweep}")
    print("  recall by kind (detector / z-score):")
    for k, v in d["by_kind"].items():
        if v["anomalies"]:
            zr = z["by_kind"][k]["recall"]
            print(f"    {k:14} {_fmt(v['recall'], '.2f')} / {_fmt(zr, '.2f')}  (n={v['anomalies']})")
    print("  by family, recall and false alarms per series-day (detector / z-score):")
    for k, v in d["by_family"].items():
        zv = z["by_family"][k]
        fa, zfa = v["false_alarms_per_series_day"], zv["false_alarms_per_series_day"]
        print(f"    {k:16} recall {_fmt(v['recall'], '.2f')} / {_fmt(zv['recall'], '.2f')}   "
              f"FA {_fmt(fa, '.3f')} / {_fmt(zfa, '.3f')}")  # fmt: skip
    result["total_s"] = round(time.perf_counter() - t0, 1)
    print(f"total {result['total_s']:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
