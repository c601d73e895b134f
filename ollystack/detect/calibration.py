"""Turning a model's raw statistic into a score that means the same on every series.

A statistic (how unusual a point looks to one model) is mapped to a tail probability p under
that series' own training distribution: empirical quantiles up to the 99.9th percentile, and
beyond it an exponential tail (its scale fitted to the top 5% or 1%) that continues from the empirical
p there, so p can go far below 1/n. The tail starts at the 99.9th percentile, not at the 95th:
extrapolating from the 95th put values the training data holds many times (the usual spikes
of a spiky series) at p ~ 1e-10, so they fired as anomalies every day. The score is
`-log10(p) / (2 * -log10(fa_rate))`, clipped to [0, 1]: 0.5 exactly at the false-alarm rate the
detector is set for, 1.0 at its square. A threshold of 0.5 then fires on about `fa_rate` of
normal points on any series, which is what makes scores comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAIL = 0.05


@dataclass(frozen=True)
class Calibrator:
    sorted_train: np.ndarray
    tail_start: float  # where the exponential tail takes over from the empirical distribution
    tail_scale: float
    tail_p: float = TAIL  # the empirical p at tail_start, so p is continuous there

    @classmethod
    def fit(cls, stat: np.ndarray) -> Calibrator:
        s = np.sort(np.asarray(stat, dtype=float)[np.isfinite(stat)])
        if s.size < 20:
            s = np.concatenate([s, np.full(20 - s.size, s.max() if s.size else 1.0)])
        # the top 0.1% may be anomalies the history still holds: they do not shape the tail
        top = float(np.quantile(s, 0.999))
        scale = 0.0
        for q in (1 - TAIL, 0.99):  # the heavier of the top 5% and the top 1% (heavy tails show late)
            start = float(np.quantile(s, q))
            excess = s[(s > start) & (s <= top)] - start
            scale = max(scale, float(excess.mean()) if excess.size else 0.0)
        # a heavy tail (the usual spikes of a spiky series) shows only in the top 0.1%: the median
        # excess there shapes the tail too, and a median is not moved by a few anomalies among them
        above = s[s > top] - top
        if above.size >= 5:
            scale = max(scale, float(np.median(above)) / np.log(2))
        spread = float(np.quantile(s, 0.95) - np.quantile(s, 0.5))
        scale = max(scale, 0.25 * spread, 1e-9)  # a floor: a degenerate tail must not make p collapse
        tail_p = (s.size - np.searchsorted(s, top, side="left") + 1) / (s.size + 1)
        return cls(s, top, scale, float(tail_p))

    def p_value(self, stat: np.ndarray) -> np.ndarray:
        """P(statistic >= x) under the training distribution."""
        x = np.asarray(stat, dtype=float)
        n = self.sorted_train.size
        emp = (n - np.searchsorted(self.sorted_train, x, side="left") + 1) / (n + 1)
        # only used above tail_start; below it the exponent could overflow, so it is capped there
        tail = self.tail_p * np.exp(-np.maximum(x - self.tail_start, 0.0) / self.tail_scale)
        p = np.where(x > self.tail_start, np.minimum(emp, tail), emp)
        return np.clip(np.where(np.isfinite(x), p, 1.0), 1e-300, 1.0)


def score_from_p(p: np.ndarray, fa_rate: float) -> np.ndarray:
    """0.5 at the false-alarm rate, 1.0 at its square, 0 for ordinary points."""
    return np.clip(-np.log10(p) / (2 * -np.log10(fa_rate)), 0.0, 1.0) + 0.0  # + 0.0: no -0.0
