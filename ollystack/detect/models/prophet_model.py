"""Prophet as an alternative baseline (daily and weekly seasonality, changepoint trend).

Prophet's Stan model ships compiled in the wheel and fits offline. It is fitted on 15-minute
means (fast enough for thousands of series once a day) and predicted without uncertainty
sampling; the spread comes from its own training residuals, per hour of day.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
import pandas as pd

from ..series import DAY, downsample, step_of
from .base import hourly_scale

BUCKET = 900


class ProphetModel:
    name: ClassVar[str] = "prophet"
    residual: ClassVar[bool] = True

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        from prophet import Prophet  # heavy import: only when this model is used

        for name in ("prophet", "cmdstanpy"):
            logging.getLogger(name).setLevel(logging.WARNING)
        gts, gy = downsample(ts, y, max(BUCKET, step_of(ts)))
        frame = pd.DataFrame({"ds": pd.to_datetime(gts, unit="s"), "y": gy})
        days = (ts[-1] - ts[0]) / DAY
        self.model = Prophet(daily_seasonality=True, weekly_seasonality=days >= 14, yearly_seasonality=False,
                             uncertainty_samples=0)  # fmt: skip
        self.model.fit(frame)
        fitted = self._predict(ts)
        resid = y - fitted
        level = float(np.nanmedian(y))
        self.hourly_scale = hourly_scale(ts, resid, level, y)

    def _predict(self, ts: np.ndarray) -> np.ndarray:
        grid = np.arange(ts.min() - ts.min() % BUCKET, ts.max() + BUCKET, BUCKET)
        out = self.model.predict(pd.DataFrame({"ds": pd.to_datetime(grid, unit="s")}))
        return np.interp(ts, grid, out["yhat"].to_numpy())

    def expected(self, ts: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._predict(ts)

    def scale(self, ts: np.ndarray) -> np.ndarray:
        return self.hourly_scale[((ts % DAY) // 3600).astype(int)]

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray:
        raise NotImplementedError
