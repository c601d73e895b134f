"""Detection quality of the per-series anomaly scorer: each anomaly kind found, clean seasonal data
(weekends, a holiday) quiet, the model choice, scores that mean the same on every series, and the
CSV backtest CLI. Series are small and few: walk_forward on 14 days of minutes takes ~1-2 s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ollystack.detect.anomaly import AnomalyDetector, choose, walk_forward
from ollystack.evals import series_suite as ss

DAY = 86_400
FA_RATE = 1e-4
# what clean data may raise at fa_rate 1e-4 (about 0.14 flagged points per series-day if every
# statistic fired at exactly that rate): at most 1 flagged point in 1,000 and 0.3 alarms per day
MAX_POINT_RATE = 1e-3
MAX_ALARMS_PER_DAY = 0.3


def _traffic(seed: int, days: int = 14, level: float = 1000.0, rel_noise: float = 0.04, holidays: tuple[int, ...] = (),
             start: int = ss.START) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Requests per minute from `start` (Monday 00:00 UTC): a daily cycle whose daytime part drops
    to 40% on weekends and `holidays` (day numbers); returns timestamps, the series, its mean and
    its noise scale."""
    rng = np.random.default_rng(seed)
    ts = start + 60 * np.arange(days * 1440, dtype=np.int64)
    mean = ss.traffic_mean(ts, level, 0.7, 14.0, 1.5, 0.4, holidays)
    sd = rel_noise * mean + 1.0
    return ts, mean + sd * rng.normal(0, 1, ts.size), mean, sd


def _at(ts: np.ndarray, day: int, hour: float) -> int:
    return int(np.searchsorted(ts, ss.START + day * DAY + int(hour * 3600)))


def _alarms_per_day(s: ss.LabelledSeries, flags: np.ndarray) -> tuple[float, float]:
    res = ss.score_events(s, flags)
    scored = s.ts >= s.scored_from
    return float(flags[scored].mean()), res.false_alarms / res.days


def test_each_anomaly_kind_is_detected_on_a_seasonal_series():
    ts, y, _, sd = _traffic(seed=1)
    y = y.copy()
    labels = []

    def put(kind: str, day: int, hour: float, minutes: int, effect: np.ndarray | float) -> None:
        i = _at(ts, day, hour)
        if kind == "variance":
            y[i : i + minutes] += (effect - 1) * sd[i : i + minutes] * np.random.default_rng(9).normal(0, 1, minutes)
        else:
            y[i : i + minutes] += effect * sd[i : i + minutes]
        labels.append(ss.Label(int(ts[i]), int(ts[i + minutes - 1]), kind))

    put("spike", 8, 14.0, 2, 10.0)  # two minutes 10 noise scales up
    put("level_shift", 9, 11.0, 90, -6.0)  # an hour and a half 6 scales down
    put("drift", 10, 9.0, 240, np.linspace(0, 10, 240))  # four hours creeping up to 10 scales
    put("variance", 11, 13.0, 120, 5.0)  # two hours five times as noisy
    s = ss.LabelledSeries("traffic", "traffic", ts, y, labels, ss.START + 7 * DAY)
    _, flags, models = walk_forward(AnomalyDetector(FA_RATE), ts, y)
    assert models[0].name == "seasonal"
    res = ss.score_events(s, flags)
    found = dict(zip([lab.kind for lab in labels], res.detected, strict=True))
    assert found == {"spike": True, "level_shift": True, "drift": True, "variance": True}
    ttd = dict(zip([lab.kind for lab in labels], res.ttd_minutes, strict=True))
    assert ttd["spike"] == 0 and ttd["level_shift"] <= 5, ttd
    assert res.false_alarms <= 1, res


@pytest.mark.parametrize(("seed", "level", "rel_noise", "holidays"), [
    (2, 800.0, 0.03, (9,)),  # a quiet Wednesday in the scored week
    (3, 60.0, 0.10, (2, 10)),  # a low, noisy series, one holiday in each week
])  # fmt: skip
def test_clean_seasonal_data_stays_quiet(seed, level, rel_noise, holidays):
    ts, y, _, _ = _traffic(seed=seed, level=level, rel_noise=rel_noise, holidays=holidays)
    s = ss.LabelledSeries("clean", "traffic_holiday", ts, y, [], ss.START + 7 * DAY)
    _, flags, models = walk_forward(AnomalyDetector(FA_RATE), ts, y)
    assert {m.name for m in models} == {"seasonal"}
    point_rate, per_day = _alarms_per_day(s, flags)
    assert point_rate <= MAX_POINT_RATE, f"{point_rate:.2e} of points flagged"
    assert per_day <= MAX_ALARMS_PER_DAY, f"{per_day:.2f} false alarms per day"


def test_model_choice_follows_the_shape_of_the_series():
    rng = np.random.default_rng(4)
    ts = ss.START + 60 * np.arange(4 * 1440, dtype=np.int64)
    sparse = rng.poisson(0.05, ts.size).astype(float)
    gauge = 512 + rng.normal(0, 2, ts.size)
    constant = np.full(ts.size, 4.0)
    traffic = _traffic(seed=5, days=4)[1]
    spiky = 100 + rng.normal(0, 3, ts.size) + (rng.random(ts.size) < 0.01) * rng.exponential(25, ts.size)
    assert choose(ts, sparse)[0] == "sparse"
    assert choose(ts, gauge)[:2] == ("flat", "flat: no daily cycle (0% seasonal strength)")
    assert choose(ts, constant)[0] == "flat"
    assert choose(ts, traffic)[0] == "seasonal"
    name, reason, _ = choose(ts, spiky)
    assert (name, reason.split(":")[0]) == ("iforest", "spiky")
    short = AnomalyDetector(FA_RATE).fit(ts[:720], traffic[:720])  # half a day
    assert (short.name, short.fallback) == ("rolling", True)
    assert short.reason.startswith("short history (12.0 h)")
    # a model asked for by name still falls back when the history is too short for it
    assert AnomalyDetector(FA_RATE, "seasonal").fit(ts[:720], traffic[:720]).reason.startswith("short history")


def test_scores_are_comparable_across_levels():
    """The same relative spike scores alike on series a thousand times apart in level; ordinary
    points stay near 0 on all of them."""
    det = AnomalyDetector(FA_RATE)
    spike_scores, ordinary = [], []
    for seed, level in ((6, 50.0), (7, 5_000.0), (8, 500_000.0)):
        ts, y, mean, sd = _traffic(seed=seed, days=9, level=level, rel_noise=0.03)
        y = y.copy()
        i = _at(ts, 8, 15.0)
        y[i] = mean[i] + 6 * sd[i]  # 6 noise scales up: clearly unusual, short of saturating the score
        cut = _at(ts, 8, 0.0)
        fitted = det.fit(ts[:cut], y[:cut])
        scores, _ = det.score(fitted, ts[cut:], y[cut:], ts[:cut], y[:cut])
        spike_scores.append(float(scores[i - cut]))
        ordinary.append(float(np.median(scores)))
    assert min(spike_scores) >= 0.5, spike_scores
    assert max(spike_scores) - min(spike_scores) <= 0.2, spike_scores
    assert max(ordinary) <= 0.1, ordinary


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ollystack.cli", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip


def test_csv_cli_scores_every_row_and_flags_the_spike(tmp_path):
    # eight days from a Friday: the first four (a weekend among them) are learnt, the rest scored
    ts, y, mean, sd = _traffic(seed=10, days=8, start=ss.START + 4 * DAY)
    y = y.copy()
    spike = int(np.searchsorted(ts, ss.START + 10 * DAY + 13 * 3600))  # Thursday 13:00
    y[spike] = mean[spike] + 12 * sd[spike]
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(f"{t},{v:.3f}\n" for t, v in zip(ts, y, strict=True)))
    out = _cli(["detect", "score", str(path)], tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "timestamp,value,score,is_anomaly"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == ts.size
    assert [int(r[0]) for r in rows] == ts.tolist()
    flagged = [i for i, r in enumerate(rows) if r[3] == "true"]
    assert spike in flagged
    assert float(rows[spike][2]) >= 0.5
    assert len(flagged) <= 5, flagged
    assert "model: seasonal" in out.stderr


def test_csv_cli_malformed_file_exits_2_naming_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    rows = [f"{ss.START + 60 * i},{i % 7}" for i in range(20)]
    rows[4] = f"{ss.START + 240},not-a-number"
    path.write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    out = _cli(["detect", "score", str(path)], tmp_path)
    assert out.returncode == 2
    assert "line 6" in out.stderr and "not-a-number" in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("model", ["prophet", "autoencoder", "iforest"])
def test_the_alternative_models_fit_offline_and_find_a_level_shift(model):
    """Prophet (its compiled Stan model, no network), the autoencoder and Isolation Forest can be
    chosen instead of the automatic model; each finds an hour-long jump of 8 noise scales."""
    ts, y, _, sd = _traffic(seed=3, days=6)
    y = y.copy()
    lo = _at(ts, 4, 11.0)
    y[lo : lo + 60] += 8 * sd[lo : lo + 60]
    det = AnomalyDetector(fa_rate=1e-4, model=model)
    scores, flags, models = walk_forward(det, ts, y, train=3 * DAY)
    assert models[0].name == model
    assert flags[lo : lo + 60].any(), f"{model} missed the shift (max score {scores[lo : lo + 60].max():.2f})"
    before = (ts >= ts[0] + 3 * DAY) & (ts < ts[lo])
    assert flags[before].mean() < 0.01
