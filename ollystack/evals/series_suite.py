"""A labelled synthetic suite of metric series, a rolling z-score baseline, and event-level scores.

Why synthetic: labelled production metrics are rare, and a seeded generator lets the detector and
the baseline be measured on exactly the same series, with the truth known to the minute.

The suite is 14 days of minute data per series. The first week is clean (it is what
`walk_forward` learns from); anomalies are injected in the second week only, and only the second
week is scored. Anomalies are sized in units of the series' own local noise, so "6 sigma" means
the same on a busy traffic series and on an error ratio near zero.

Event-level scoring (see `score_events`): an anomaly interval counts as detected when a flagged
point falls in [start, end + GRACE]; flagged points closer than MERGE apart form one alarm; an
alarm in the scored week touching no interval is a false alarm. Precision is detected intervals
over detected intervals plus false alarms, so splitting one alarm into many cannot inflate it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

DAY = 86_400
STEP = 60
DAYS = 14
START = 1_793_577_600  # 2026-11-02 00:00 UTC, a Monday
GRACE = 600  # an alarm up to 10 minutes after an anomaly ends still detects it
MERGE = 600  # flagged points less than 10 minutes apart are one alarm
ZSCORE_WINDOW = 60

FAMILIES = ("traffic", "traffic_holiday", "traffic_hetero", "latency", "error_ratio", "sparse", "flat_gauge",
            "spiky")  # fmt: skip
KINDS = ("spike", "dip", "level_shift", "drift", "variance")
# which anomalies make sense for each family (a dip in a mostly-zero count is not visible)
FAMILY_KINDS: dict[str, tuple[str, ...]] = {
    "traffic": KINDS,
    "traffic_holiday": KINDS,
    "traffic_hetero": KINDS,
    "latency": ("spike", "level_shift", "drift", "variance"),
    "error_ratio": ("spike", "level_shift", "drift"),
    "sparse": ("spike", "level_shift"),
    "flat_gauge": ("spike", "dip", "level_shift", "drift", "variance"),
    "spiky": ("spike", "level_shift", "drift", "variance"),
}


@dataclass(frozen=True)
class Label:
    """One injected anomaly: [start, end] in epoch seconds (both inclusive) and its kind."""

    start: int
    end: int
    kind: str


@dataclass
class LabelledSeries:
    name: str
    family: str
    ts: np.ndarray
    y: np.ndarray
    labels: list[Label]
    scored_from: int  # the first timestamp that is scored (the second week)
    notes: list[str] = field(default_factory=list)


# -- generation ----------------------------------------------------------------------------------
def daily_shape(ts: np.ndarray, peak_hour: float, sharpness: float) -> np.ndarray:
    """A daily traffic shape in [0, 1]: 0 at `peak_hour` + 12 h, a broad peak around `peak_hour`."""
    phase = 2 * np.pi * ((ts % DAY) / 3600 - peak_hour) / 24
    base = (1 + np.cos(phase)) / 2
    return base**sharpness


def week_factor(ts: np.ndarray, weekend_factor: float, holidays: Sequence[int] = ()) -> np.ndarray:
    """1 on weekdays, `weekend_factor` on Saturday/Sunday and on the given holiday day numbers
    (days since START)."""
    day = (ts - START) // DAY
    dow = ((ts // DAY) + 3) % 7
    quiet = (dow >= 5) | np.isin(day, np.asarray(holidays, dtype=np.int64))
    return np.where(quiet, weekend_factor, 1.0)


def traffic_mean(ts: np.ndarray, level: float, amp: float, peak_hour: float, sharpness: float,
                 weekend_factor: float, holidays: Sequence[int] = ()) -> np.ndarray:  # fmt: skip
    """A daily cycle whose daytime activity (`amp` of `level`) drops to `weekend_factor` on quiet
    days; a quiet day runs from trough to trough (the night) so nothing steps at midnight."""
    trough = int(((peak_hour + 12) % 24) * 3600)
    if trough > DAY // 2:
        trough -= DAY  # the trough before midnight: the quiet day starts the evening before
    activity = daily_shape(ts, peak_hour, sharpness) * week_factor(ts - trough, weekend_factor, holidays)
    return level * (1 - amp + amp * activity)


def _traffic(rng: np.random.Generator, ts: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Requests per minute: daily and weekly cycles, a weekend dip, Gaussian or multiplicative noise."""
    level = float(10 ** rng.uniform(2, 4.5))
    amp = rng.uniform(0.4, 0.9)
    peak, sharpness = rng.uniform(11, 17), float(rng.choice([1.0, 1.5, 2.0]))
    wk = rng.uniform(0.2, 0.6)
    notes: list[str] = []
    holidays: list[int] = []
    if family == "traffic_holiday":
        holidays = [int(rng.choice([8, 9, 10, 11]))]  # a quiet weekday in the scored week
        if rng.random() < 0.5:
            holidays.append(int(rng.choice([1, 2, 3])))  # sometimes one in the training week too
        notes.append(f"holiday on day(s) {holidays}")
    mean = traffic_mean(ts, level, amp, peak, sharpness, wk, holidays)
    if family == "traffic_hetero":
        sd = mean * rng.uniform(0.03, 0.12)  # noise grows with the level (busy hours are noisier)
    else:
        sd = np.sqrt(mean) * rng.uniform(1.0, 3.0) + level * rng.uniform(0.0, 0.03)
    return mean, sd, notes


def generate(rng: np.random.Generator, family: str, name: str, kinds: Sequence[str]) -> LabelledSeries:
    """One series of `family` with one anomaly of each of `kinds`, placed in the second week."""
    ts = START + STEP * np.arange(DAYS * DAY // STEP, dtype=np.int64)
    n = ts.size
    notes: list[str] = []
    lognormal = False
    clip_low: float | None = 0.0
    if family.startswith("traffic"):
        mean, sd, notes = _traffic(rng, ts, family)
    elif family == "latency":
        base = rng.uniform(20, 400)
        mean = base * (1 + rng.uniform(0.1, 0.5) * daily_shape(ts, rng.uniform(12, 16), 1.5))
        sd = mean * rng.uniform(0.08, 0.3)  # the log-scale sigma, times the level
        lognormal = True
    elif family == "error_ratio":
        p = rng.uniform(0.001, 0.02)
        reqs = float(10 ** rng.uniform(2.5, 4)) * (0.3 + 0.7 * daily_shape(ts, 14, 1.5)) * week_factor(ts, 0.6)
        mean = np.full(n, p)
        sd = np.sqrt(p * (1 - p) / reqs)
    elif family == "sparse":
        mean = np.full(n, rng.uniform(0.01, 0.25))
        sd = np.sqrt(mean)
    elif family == "flat_gauge":
        level = float(rng.choice([1.0, 4.0, 100.0, 512.0, 2048.0, 0.75]))
        mean = np.full(n, level)
        sd = np.full(n, level * rng.choice([0.0, 0.002, 0.01]))
        clip_low = None
    elif family == "spiky":
        level = rng.uniform(10, 500)
        mean = np.full(n, level)
        sd = np.full(n, level * rng.uniform(0.02, 0.08))
        # natural, harmless spikes (heavy tails that are not anomalies), in noise units
        natural = (rng.random(n) < rng.uniform(0.002, 0.01)) * rng.exponential(rng.uniform(3, 6), n)
    else:
        raise ValueError(f"unknown family {family!r}")

    # the anomalies: each on its own day of the second week, starting between 02:00 and 14:00
    # (the longest lasts 8 hours, so they are at least 4 hours apart)
    effect = np.zeros(n)  # added to the mean (in noise units times sd)
    var_mult = np.ones(n)
    rate_mult = np.ones(n)  # for sparse counts
    labels: list[Label] = []
    week2 = 7 * DAY // STEP
    slots = rng.permutation(np.arange(6))[: len(kinds)]
    for asked, slot in zip(kinds, sorted(slots), strict=False):
        kind = asked
        if kind in ("spike", "dip"):
            width = int(rng.integers(1, 4))
            mag = rng.uniform(7, 15) * (-1 if kind == "dip" else 1)
            if family == "spiky":  # a spike there is an anomaly only if well above the usual ones
                mag = rng.uniform(1.5, 2.5) * float(natural.max())
            shape_ = np.full(width, mag)
        elif kind == "level_shift":
            width = int(rng.integers(30, 240))
            shape_ = np.full(width, rng.uniform(4, 8) * rng.choice([-1, 1]))
        elif kind == "drift":
            width = int(rng.integers(120, 480))
            shape_ = np.linspace(0, rng.uniform(6, 12), width) * rng.choice([-1, 1])
        elif kind == "variance":
            width = int(rng.integers(60, 240))
            shape_ = np.zeros(width)
        else:
            raise ValueError(f"unknown kind {kind!r}")
        if family == "error_ratio":
            shape_ = np.abs(shape_)  # fewer errors than usual is not an incident
        # a drop must fit above zero to be the drop it is labelled as: look for a busy enough
        # hour of the day; failing that the change goes up instead
        for _ in range(50):
            lo = week2 + int(slot * DAY + rng.uniform(2 * 3600, 14 * 3600)) // STEP
            low = mean[lo : lo + width] + (shape_.min() - 3) * sd[lo : lo + width]
            if clip_low is None or shape_.min() >= 0 or np.all(low >= clip_low):
                break
        else:
            shape_ = np.abs(shape_)
            kind = "spike" if asked == "dip" else asked
        effect[lo : lo + width] += shape_
        if kind == "variance":
            var_mult[lo : lo + width] = rng.uniform(3, 6)
        if family == "sparse":  # counts: bursts and rate changes instead of Gaussian offsets
            effect[lo : lo + width] = 0.0
            rate_mult[lo : lo + width] = rng.uniform(8, 20) / mean[lo] if kind == "spike" else rng.uniform(10, 25)
        labels.append(Label(int(ts[lo]), int(ts[min(n - 1, lo + width - 1)]), kind))

    if family == "sparse":
        y = rng.poisson(mean * rate_mult).astype(float)
    elif family == "error_ratio":
        reqs = np.maximum(1, np.round(p * (1 - p) / sd**2))
        prob = np.clip(mean + effect * sd, 0, 1)
        y = rng.binomial(reqs.astype(np.int64), prob) / reqs
        var_extra = (var_mult > 1) * rng.normal(0, 1, n) * sd * np.sqrt(var_mult**2 - 1)
        y = np.clip(y + var_extra, 0, 1)
    elif lognormal:
        s = sd / mean
        y = mean * np.exp(s * var_mult * rng.normal(0, 1, n)) + effect * sd
    else:
        y = mean + effect * sd + sd * var_mult * rng.normal(0, 1, n)
        if family == "flat_gauge" and not sd.any():
            # an exact constant: anomalies are relative changes of the level, not of a zero noise
            rel = rng.uniform(0.02, 0.1)
            y = mean + effect / 10 * rel * mean + (var_mult > 1) * rng.normal(0, rel * mean[0] / 3, n)
            notes.append("exact constant")
        if family == "spiky":
            y = y + natural * sd
            notes.append(f"natural spikes up to {natural.max():.0f} sigma")
    if clip_low is not None:
        y = np.maximum(y, clip_low)
    return LabelledSeries(name, family, ts, y, labels, int(START + 7 * DAY), notes)


def make_suite(n: int = 240, seed: int = 0, clean_share: float = 0.15) -> list[LabelledSeries]:
    """`n` series cycling through the families; `clean_share` of them carry no anomaly."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        family = FAMILIES[i % len(FAMILIES)]
        allowed = FAMILY_KINDS[family]
        if rng.random() < clean_share:
            kinds: list[str] = []
        else:
            k = int(rng.integers(1, 4))
            kinds = [str(x) for x in rng.choice(allowed, size=min(k, len(allowed)), replace=False)]
        out.append(generate(rng, family, f"{family}-{i:03d}", kinds))
    return out


# -- the baseline ----------------------------------------------------------------------------------
def rolling_z(y: np.ndarray, window: int = ZSCORE_WINDOW) -> np.ndarray:
    """|z| of each point against the mean and standard deviation of the `window` points before it
    (0 until two points of history exist; a zero deviation is floored at a billionth of the level)."""
    y = np.asarray(y, dtype=float)
    z = np.zeros(y.size)
    if y.size < 3:
        return z
    filled = np.where(np.isfinite(y), y, np.nan)
    pad = np.concatenate([np.full(window, np.nan), filled[:-1]])
    win = np.lib.stride_tricks.sliding_window_view(pad, window)  # row i: the `window` points before i
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        mu = np.nanmean(win, axis=1)
        sd = np.nanstd(win, axis=1)
        count = np.sum(np.isfinite(win), axis=1)
    sd = np.maximum(sd, 1e-9 * np.maximum(1.0, np.abs(mu)))
    ok = (count >= 2) & np.isfinite(filled)
    z[ok] = np.abs(filled[ok] - mu[ok]) / sd[ok]
    return z


def zscore_detector(y: np.ndarray, threshold: float, window: int = ZSCORE_WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """The baseline with the detector's output shape: scores in [0, 1] (0.5 at the threshold), flags."""
    z = rolling_z(y, window)
    scores = np.clip(z / (2 * threshold), 0.0, 1.0)
    return scores, z > threshold


# -- event-level scoring -----------------------------------------------------------------------------
@dataclass
class EventResult:
    name: str
    family: str
    labels: list[Label]
    detected: list[bool]
    ttd_minutes: list[float | None]
    false_alarms: int
    days: float


def alarms(ts: np.ndarray, flags: np.ndarray, merge: int = MERGE) -> list[tuple[int, int]]:
    """Runs of flagged points as (first, last) timestamps, merged when less than `merge` s apart."""
    hit = ts[np.asarray(flags, dtype=bool)]
    if hit.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(hit) >= merge)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [hit.size - 1]])
    return [(int(hit[a]), int(hit[b])) for a, b in zip(starts, ends, strict=True)]


def score_events(s: LabelledSeries, flags: np.ndarray) -> EventResult:
    """Detections, time to detect and false alarms of one series, over its scored period only."""
    keep = s.ts >= s.scored_from
    ts, fl = s.ts[keep], np.asarray(flags, dtype=bool)[keep]
    detected, ttd = [], []
    for lab in s.labels:
        inside = fl & (ts >= lab.start) & (ts <= lab.end + GRACE)
        detected.append(bool(inside.any()))
        ttd.append(float(ts[inside][0] - lab.start) / 60 if inside.any() else None)
    false = sum(1 for a, b in alarms(ts, fl) if not any(a <= lab.end + GRACE and b >= lab.start for lab in s.labels))
    days = float(ts[-1] - ts[0] + STEP) / DAY if ts.size else 0.0
    return EventResult(s.name, s.family, s.labels, detected, ttd, false, days)


def summarize(results: Sequence[EventResult]) -> dict[str, float | int | None]:
    """Precision, recall, F1, false alarms per series-day, mean and median minutes to detect."""
    n_labels = sum(len(r.labels) for r in results)
    hits = sum(sum(r.detected) for r in results)
    false = sum(r.false_alarms for r in results)
    days = sum(r.days for r in results)
    ttd = [t for r in results for t in r.ttd_minutes if t is not None]
    precision = hits / (hits + false) if hits + false else None
    recall = hits / n_labels if n_labels else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return {
        "series": len(results),
        "anomalies": n_labels,
        "detected": hits,
        "false_alarms": false,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_alarms_per_series_day": false / days if days else None,
        "ttd_mean_min": statistics.fmean(ttd) if ttd else None,
        "ttd_median_min": statistics.median(ttd) if ttd else None,
    }


def breakdown(results: Sequence[EventResult], key: Callable[[EventResult, Label | None], str]
              ) -> dict[str, dict[str, float | int | None]]:  # fmt: skip
    """Recall per label group (`key(result, label)`) and false alarms per group (`key(result, None)`)."""
    groups: dict[str, dict[str, float]] = {}
    for r in results:
        g = groups.setdefault(key(r, None), {"anomalies": 0, "detected": 0, "false_alarms": 0, "days": 0.0})
        g["false_alarms"] += r.false_alarms
        g["days"] += r.days
        for lab, hit in zip(r.labels, r.detected, strict=True):
            gl = groups.setdefault(key(r, lab), {"anomalies": 0, "detected": 0, "false_alarms": 0, "days": 0.0})
            gl["anomalies"] += 1
            gl["detected"] += int(hit)
    return {
        k: {
            "anomalies": int(g["anomalies"]),
            "recall": g["detected"] / g["anomalies"] if g["anomalies"] else None,
            "false_alarms_per_series_day": g["false_alarms"] / g["days"] if g["days"] else None,
        }
        for k, g in sorted(groups.items())
    }


def by_family(r: EventResult, lab: Label | None) -> str:
    return r.family


def by_kind(r: EventResult, lab: Label | None) -> str:
    return lab.kind if lab is not None else "(all series)"


def best_threshold(zs: Sequence[np.ndarray], suite: Sequence[LabelledSeries],
                   grid: Sequence[float] = (3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 50)
                   ) -> tuple[float, dict[float, dict[str, float | int | None]]]:  # fmt: skip
    """The z-score threshold with the best F1 on the suite (the baseline's fairest setting), and the
    summary at every threshold tried (`zs`: each series' |z| from `rolling_z`)."""
    tried = {}
    for thr in grid:
        res = [score_events(s, z > thr) for s, z in zip(suite, zs, strict=True)]
        tried[float(thr)] = summarize(res)
    best = max(tried, key=lambda t: tried[t]["f1"] or 0.0)
    return best, tried
