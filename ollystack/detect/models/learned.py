"""Learned detectors: Isolation Forest over time features and residuals, and a small autoencoder
over windows of the series. Both judge shapes a residual alone misses (a normal value at an
abnormal hour, an odd wiggle) and give a raw statistic that calibration turns into a score."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.neural_network import MLPRegressor

from ..series import DAY, robust_scale, time_features, weekend
from .base import _floor

WINDOW = 30


class _Profile:
    """Median by (weekend, hour of day): a cheap seasonal reference for the learned models."""

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        self.table = np.full((2, 24), float(np.nanmedian(y)))
        key_w, key_h = weekend(ts).astype(int), ((ts % DAY) // 3600).astype(int)
        for w in (0, 1):
            for h in range(24):
                vals = y[(key_w == w) & (key_h == h)]
                if vals.size:
                    self.table[w, h] = np.nanmedian(vals)
        self.scale = _floor(robust_scale(y - self(ts)), float(np.nanmedian(y)), y)

    def __call__(self, ts: np.ndarray) -> np.ndarray:
        return self.table[weekend(ts).astype(int), ((ts % DAY) // 3600).astype(int)]


class IForestModel:
    name: ClassVar[str] = "iforest"
    residual: ClassVar[bool] = False

    def _features(self, ts: np.ndarray, y: np.ndarray, prev: np.ndarray) -> np.ndarray:
        r = (y - self.profile(ts)) / self.profile.scale
        d = (y - prev) / self.profile.scale
        return np.column_stack([time_features(ts), r, np.nan_to_num(d)])

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        self.profile = _Profile()
        self.profile.fit(ts, y)
        prev = np.concatenate([[y[0]], y[:-1]])
        self.forest = IsolationForest(n_estimators=100, max_samples=min(2048, ts.size), random_state=0)
        self.forest.fit(self._features(ts, y, prev))

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray:
        first = ctx_y[-1] if ctx_y.size else y[0]
        prev = np.concatenate([[first], y[:-1]])
        return -self.forest.score_samples(self._features(ts, np.nan_to_num(y), prev))


class AutoencoderModel:
    """An MLP trained to reproduce 30-point windows of standardized residuals through 6 units;
    a window it cannot reproduce is unusual. The statistic of a point is its window's error."""

    name: ClassVar[str] = "autoencoder"
    residual: ClassVar[bool] = False

    @staticmethod
    def _windows(r: np.ndarray) -> np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(r, WINDOW)

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        self.profile = _Profile()
        self.profile.fit(ts, y)
        r = np.clip((y - self.profile(ts)) / self.profile.scale, -20, 20)
        win = self._windows(np.nan_to_num(r))
        sample = win[:: max(1, win.shape[0] // 5000)]
        self.net = MLPRegressor(hidden_layer_sizes=(16, 6, 16), max_iter=60, random_state=0, tol=1e-3)
        self.net.fit(sample, sample)

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray:
        all_ts = np.concatenate([ctx_ts[-(WINDOW - 1) :], ts])
        all_y = np.concatenate([ctx_y[-(WINDOW - 1) :], y])
        r = np.nan_to_num(np.clip((all_y - self.profile(all_ts)) / self.profile.scale, -20, 20))
        missing = ts.size + WINDOW - 1 - r.size  # no context yet: the first windows start with zeros
        if missing > 0:
            r = np.concatenate([np.zeros(missing), r])
        win = self._windows(r)
        err = np.mean((self.net.predict(win) - win) ** 2, axis=1)
        return err[-ts.size :]
