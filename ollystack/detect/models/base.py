"""The model contract and the simple baselines: flat, rolling (short history), sparse counts."""

from __future__ import annotations

from typing import ClassVar, Protocol

import numpy as np
import pandas as pd

from ..series import robust_scale


class Model(Protocol):
    """A fitted baseline. Residual models give `expected` and `scale`; learned models give a
    raw statistic directly (`point_stat`), higher meaning more unusual."""

    name: ClassVar[str]
    residual: ClassVar[bool]

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None: ...

    def expected(self, ts: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Expected values at `ts`; a point may depend on `ctx_y` and on the `y` before it only."""
        ...

    def scale(self, ts: np.ndarray) -> np.ndarray: ...

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray: ...


def _floor(scale: float, level: float, y: np.ndarray) -> float:
    """Never divide by ~0: a flat series still has a tolerance (1% of its level, or of its range)."""
    span = float(np.nanmax(y) - np.nanmin(y)) if y.size else 0.0
    return max(scale, 0.01 * abs(level), 0.01 * span, 1e-6)


def hourly_scale(ts: np.ndarray, resid: np.ndarray, level: float, y: np.ndarray) -> np.ndarray:
    """Robust residual spread per hour of day (busy hours are noisier), never under half the overall."""
    overall = _floor(robust_scale(resid), level, y)
    hours = ((ts % 86_400) // 3600).astype(int)
    out = np.full(24, overall)
    for h in range(24):
        r = resid[hours == h]
        if r.size >= 30:
            out[h] = max(robust_scale(r), 0.5 * overall)
    return out


class FlatModel:
    """No seasonality: a level and a spread."""

    name: ClassVar[str] = "flat"
    residual: ClassVar[bool] = True

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        self.level = float(np.nanmedian(y))
        self._scale = _floor(robust_scale(y), self.level, y)

    def expected(self, ts: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.full(ts.shape, self.level)

    def scale(self, ts: np.ndarray) -> np.ndarray:
        return np.full(ts.shape, self._scale)

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RollingModel(FlatModel):
    """Short history: the median of the preceding hour, with the spread seen so far."""

    name: ClassVar[str] = "rolling"
    window = 60

    def expected(self, ts: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray, y: np.ndarray) -> np.ndarray:
        # the median of the `window` points before each point (context first, then earlier new points)
        pad = ctx_y[-self.window :]
        hist = np.concatenate([np.full(self.window - pad.size, np.nan), pad, y])
        med = pd.Series(hist).rolling(self.window, min_periods=1).median().shift(1).to_numpy()[self.window :]
        return np.where(np.isfinite(med), med, self.level)


class SparseModel(FlatModel):
    """Mostly-zero counts: judge the sum of the last 15 points, not each point."""

    name: ClassVar[str] = "sparse"
    window = 15

    @staticmethod
    def _sums(y: np.ndarray, n: int) -> np.ndarray:
        c = np.concatenate([[0.0], np.cumsum(np.nan_to_num(y))])
        out = c[n:] - c[:-n]
        return np.concatenate([np.full(n - 1, np.nan), out])

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        sums = self._sums(y, self.window)
        self.level = float(np.nanmean(sums))
        self._scale = _floor(float(np.nanstd(sums)), self.level, sums[np.isfinite(sums)])

    def transform(self, y_all: np.ndarray) -> np.ndarray:
        return self._sums(y_all, self.window)
