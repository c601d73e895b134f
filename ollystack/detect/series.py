"""Time-series helpers shared by the models: steps, time features, downsampling, shape features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400
WEEK = 7 * DAY


def step_of(ts: np.ndarray) -> int:
    """The series' sampling step in seconds (the median gap; 60 for minute data)."""
    if ts.size < 2:
        return 60
    return max(1, int(np.median(np.diff(ts))))


def time_of_day(ts: np.ndarray) -> np.ndarray:
    return (ts % DAY).astype(float)


def weekend(ts: np.ndarray) -> np.ndarray:
    """Saturday or Sunday (UTC); 1970-01-01 was a Thursday."""
    dow = ((ts // DAY) + 3) % 7  # 0 = Monday
    return dow >= 5


def time_features(ts: np.ndarray) -> np.ndarray:
    """Hour-of-day and day-of-week on the circle, for models that learn shapes (IForest)."""
    tod = 2 * np.pi * time_of_day(ts) / DAY
    dow = 2 * np.pi * (((ts // DAY) + 3) % 7) / 7
    return np.column_stack([np.sin(tod), np.cos(tod), np.sin(dow), np.cos(dow)])


def robust_scale(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


@dataclass(frozen=True)
class Shape:
    """What a series looks like, for choosing a model."""

    days: float
    zero_fraction: float
    spread: float
    level: float
    kurtosis: float

    def describe(self) -> str:
        return (f"{self.days:.1f} days, {100 * self.zero_fraction:.0f}% zeros, spread {self.spread:.3g}, "
                f"level {self.level:.3g}, kurtosis {self.kurtosis:.1f}")  # fmt: skip


def shape(ts: np.ndarray, y: np.ndarray) -> Shape:
    finite = y[np.isfinite(y)]
    days = (ts[-1] - ts[0]) / DAY if ts.size > 1 else 0.0
    d = np.diff(finite) if finite.size > 2 else np.zeros(3)
    sd = d.std() or 1.0
    kurt = float(np.mean(((d - d.mean()) / sd) ** 4)) if finite.size > 3 else 0.0
    return Shape(
        days=float(days),
        zero_fraction=float(np.mean(finite == 0)) if finite.size else 1.0,
        spread=robust_scale(finite),
        level=float(np.median(finite)) if finite.size else 0.0,
        kurtosis=kurt,
    )


def downsample(ts: np.ndarray, y: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean per `step`-second bucket on a regular grid (empty buckets interpolated)."""
    start = ts[0] - ts[0] % step
    idx = ((ts - start) // step).astype(int)
    n = int(idx.max()) + 1
    sums = np.bincount(idx, weights=np.nan_to_num(y), minlength=n)
    counts = np.bincount(idx, weights=np.isfinite(y).astype(float), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / counts
    grid = start + step * np.arange(n)
    bad = ~np.isfinite(out)
    if bad.any() and (~bad).any():
        out[bad] = np.interp(grid[bad], grid[~bad], out[~bad])
    return grid, out
