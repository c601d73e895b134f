"""Per-series anomaly scoring: choose a model, fit it, score new points with calibrated scores.

The same code serves the live detector and `ollystack detect score FILE.csv`. For residual models
three statistics are watched, each calibrated on the series' own training data: how far one point
is from its expected value (spikes), an exponentially weighted mean of signed residuals (level
shifts and drifts, which no single point shows), and the recent residual variance against the
usual (variance changes). A point's p-value is the smallest of the three, Bonferroni-corrected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .calibration import Calibrator, score_from_p
from .models import MODELS, Model
from .models.seasonal import seasonal_strength
from .series import DAY, Shape, shape

EWMA = 0.1  # weight of a new residual in the shift statistic (about 20 points of memory)
VAR_WINDOW = 30
VAR_CLIP = 4.0  # residuals count at most this many scales in the variance statistic
CONTEXT = 300  # points of history the statistics need before a new point
MIN_SEASONAL_DAYS = 2.0
AUTO = ("flat", "sparse", "seasonal", "iforest", "rolling")


@dataclass
class Fitted:
    model: Model
    name: str
    reason: str
    trained_at: float
    trained_until: float
    calibrators: dict[str, Calibrator]
    fallback: bool = False
    notes: list[str] = field(default_factory=list)


def choose(ts: np.ndarray, y: np.ndarray) -> tuple[str, str, Shape]:
    """Pick a model from the series' shape: sparse, flat, seasonal, spiky (Isolation Forest)."""
    sh = shape(ts, y)
    if sh.days < MIN_SEASONAL_DAYS:
        return "rolling", f"short history ({sh.days * 24:.1f} h): rolling median until {MIN_SEASONAL_DAYS:g} days", sh
    if sh.zero_fraction >= 0.5:
        return "sparse", f"sparse: {100 * sh.zero_fraction:.0f}% of points are zero", sh
    if sh.spread <= 1e-9 * max(1.0, abs(sh.level)):
        return "flat", "flat: the series barely moves", sh
    strength = seasonal_strength(ts, y)
    if strength >= 0.2:
        return "seasonal", f"seasonal: daily/weekly cycle explains {100 * strength:.0f}% of the variation", sh
    if sh.kurtosis > 20:
        return "iforest", f"spiky: heavy-tailed changes (kurtosis {sh.kurtosis:.0f})", sh
    return "flat", f"flat: no daily cycle ({100 * strength:.0f}% seasonal strength)", sh


def _ewma(z: np.ndarray, start: float = 0.0) -> np.ndarray:
    out = np.empty_like(z)
    acc = start
    for i, v in enumerate(z):
        acc = (1 - EWMA) * acc + EWMA * v
        out[i] = acc
    return out


def _rolling_mean(x: np.ndarray, n: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    out = (c[n:] - c[:-n]) / n
    return np.concatenate([np.full(min(n - 1, x.size), np.nan), out])[: x.size]


class AnomalyDetector:
    """Fits and scores one series at a time. `fa_rate` is the share of normal points allowed to
    reach score 0.5 (an anomaly)."""

    def __init__(self, fa_rate: float = 1e-4, model: str = "auto") -> None:
        if model != "auto" and model not in MODELS:
            raise ValueError(f"unknown model {model!r}: auto or one of {', '.join(MODELS)}")
        self.fa_rate = fa_rate
        self.model = model

    # -- statistics -----------------------------------------------------------------------------
    def _stats(self, m: Model, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray
               ) -> dict[str, np.ndarray]:  # fmt: skip
        if not m.residual:
            stats = {"point": m.point_stat(ts, y, ctx_ts, ctx_y)}
            profile = getattr(m, "profile", None)
            if profile is None:
                return stats
            # the learned models judge odd points and shapes; shifts, drifts and variance changes,
            # which no single point shows, are judged on the residuals from their profile as well
            z = np.nan_to_num((y - profile(ts)) / profile.scale)
            ctx_z = np.nan_to_num((ctx_y - profile(ctx_ts)) / profile.scale)
            return stats | self._history_stats(ctx_z, z)
        transform = getattr(m, "transform", None)
        if transform is not None:
            y = transform(np.concatenate([ctx_y, y]))[-y.size :]
        exp = m.expected(ts, ctx_ts, ctx_y, y)
        z = (y - exp) / m.scale(ts)
        z = np.nan_to_num(z, nan=0.0)
        # the statistics that need history run over context + new points
        if ctx_ts.size:
            transform_ctx = transform(ctx_y) if transform is not None else ctx_y
            ctx_exp = m.expected(ctx_ts, ctx_ts[:0], ctx_y[:0], ctx_y)
            ctx_z = np.nan_to_num((transform_ctx - ctx_exp) / m.scale(ctx_ts))
        else:
            ctx_z = np.zeros(0)
        return {"point": np.abs(z)} | self._history_stats(ctx_z, z)

    @staticmethod
    def _history_stats(ctx_z: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
        """The shift (EWMA of residuals) and variance statistics of the new points `z`."""
        full = np.concatenate([ctx_z, z])
        shift = np.abs(_ewma(np.clip(full, -10, 10)))[-z.size :]
        # clipped harder: one spike is the point statistic's news, not a variance change (clipped
        # at 10 it held the variance statistic up for its whole 30-point window after the spike)
        var = np.log(_rolling_mean(np.clip(full, -VAR_CLIP, VAR_CLIP) ** 2, VAR_WINDOW) + 1e-3)[-z.size :]
        return {"shift": shift, "var": var}

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, ts: np.ndarray, y: np.ndarray) -> Fitted:
        ts = np.asarray(ts, dtype=np.int64)
        y = np.asarray(y, dtype=float)
        if ts.size < 10:
            raise ValueError("at least 10 points are needed to learn a baseline")
        if self.model == "auto":
            name, reason, _ = choose(ts, y)
        else:
            name, reason = self.model, f"{self.model}: chosen by the caller"
            if name in ("seasonal", "prophet") and (ts[-1] - ts[0]) < MIN_SEASONAL_DAYS * DAY:
                name, reason = "rolling", f"short history: {self.model} needs {MIN_SEASONAL_DAYS:g} days"
        m = MODELS[name]()
        m.fit(ts, y)
        # calibrate on the training data itself, each statistic separately
        # (the first day is left out when there is more: decompositions are least sure at the edges)
        skip = int(np.searchsorted(ts, ts[0] + DAY)) if ts[-1] - ts[0] > 3 * DAY else min(CONTEXT, ts.size // 2)
        stats = self._stats(m, ts[skip:], y[skip:], ts[:skip], y[:skip])
        cal = {k: Calibrator.fit(v[np.isfinite(v)]) for k, v in stats.items()}
        return Fitted(m, name, reason, time.time(), float(ts[-1]), cal, fallback=name == "rolling")

    def score(self, fitted: Fitted, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray | None = None,
              ctx_y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Scores in [0, 1] and whether each point is an anomaly (score >= 0.5)."""
        ts = np.asarray(ts, dtype=np.int64)
        y = np.asarray(y, dtype=float)
        cts = np.asarray(ctx_ts if ctx_ts is not None else [], dtype=np.int64)[-CONTEXT:]
        cy = np.asarray(ctx_y if ctx_y is not None else [], dtype=float)[-CONTEXT:]
        stats = self._stats(fitted.model, ts, y, cts, cy)
        p = np.ones(ts.size)
        for k, v in stats.items():
            p = np.minimum(p, fitted.calibrators[k].p_value(v))
        p = np.minimum(1.0, p * len(stats))
        scores = score_from_p(p, self.fa_rate)
        scores = np.where(np.isfinite(y), scores, 0.0)
        return scores, scores >= 0.5


def walk_forward(det: AnomalyDetector, ts: np.ndarray, y: np.ndarray, *, train: float = 7 * DAY,
                 retrain: float = DAY) -> tuple[np.ndarray, np.ndarray, list[Fitted]]:  # fmt: skip
    """Score a whole series as the live detector would have: learn from the first `train` seconds
    (at most half the series), then score one `retrain` period at a time and relearn from all
    that came before it. The training stretch itself is scored in-sample."""
    ts = np.asarray(ts, dtype=np.int64)
    y = np.asarray(y, dtype=float)
    span = ts[-1] - ts[0] if ts.size else 0
    first_end = ts[0] + min(train, span / 2) if ts.size else 0
    scores = np.zeros(ts.size)
    flags = np.zeros(ts.size, dtype=bool)
    models: list[Fitted] = []
    cut = int(np.searchsorted(ts, first_end, side="left"))
    cut = max(cut, min(ts.size, 10))
    fitted = det.fit(ts[:cut], y[:cut])
    models.append(fitted)
    s, f = det.score(fitted, ts[:cut], y[:cut])
    scores[:cut], flags[:cut] = s, f
    start = cut
    while start < ts.size:
        end = int(np.searchsorted(ts, ts[start] + retrain, side="left"))
        end = max(end, start + 1)
        s, f = det.score(fitted, ts[start:end], y[start:end], ts[:start], y[:start])
        scores[start:end], flags[start:end] = s, f
        start = end
        if start < ts.size:
            # relearn from history, leaving out points already judged anomalous
            keep = ~flags[:start]
            fitted = det.fit(ts[:start][keep], y[:start][keep]) if keep.sum() >= 10 else fitted
            models.append(fitted)
    return scores, flags, models
