"""Seasonal baseline: STL on downsampled data, with weekday/weekend profiles and holiday switching.

STL (statsmodels) separates trend, the daily cycle (which holds the hourly shape) and the rest on
5-minute means. The weekly cycle with two weeks of history is mostly "weekend or not" (MSTL needs
more than two weekly cycles to keep a weekly period), so the remainder's median by day type and
time of day is added as a weekday and a weekend profile. A weekday that behaves like a weekend
(a holiday) is scored against the profile it matches best once a few hours of it are known. With
three weeks or more, MSTL fits daily and weekly periods directly.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from statsmodels.tsa.seasonal import MSTL, STL

from ..series import DAY, WEEK, downsample, step_of, weekend
from .base import hourly_scale

BUCKET = 300  # 5-minute means: 288 per day keeps STL fast on two weeks of minute data
HOLIDAY_EVIDENCE = 5.0  # log-likelihood ratio at which a weekday is scored as a weekend (a holiday)


class SeasonalModel:
    name: ClassVar[str] = "seasonal"
    residual: ClassVar[bool] = True

    def fit(self, ts: np.ndarray, y: np.ndarray) -> None:
        self.bucket = max(BUCKET, step_of(ts))
        per_day = DAY // self.bucket
        gts, gy = downsample(ts, y, self.bucket)
        wk = weekend(gts)
        # the weekly cycle first: how weekend days differ from weekdays, as a factor when the
        # series is positive (traffic), as an offset otherwise; STL then sees one kind of day
        days = gts // DAY
        means = {int(d): float(gy[days == d].mean()) for d in np.unique(days)}
        wd = [m for d, m in means.items() if not weekend(np.array([d * DAY]))[0]]
        we = [m for d, m in means.items() if weekend(np.array([d * DAY]))[0]]
        self.multiplicative = bool(np.all(gy > 0))
        self.factor, self.offset = 1.0, 0.0
        if wd and we:
            if self.multiplicative:
                self.factor = float(np.median(we) / np.median(wd))
            else:
                self.offset = float(np.median(we) - np.median(wd))
        adj = self._to_weekday(gy, wk)
        if (ts[-1] - ts[0]) >= 3 * WEEK:
            res = MSTL(adj, periods=(per_day, 7 * per_day), stl_kwargs={"seasonal_deg": 0}).fit()
            seasonal = res.seasonal.sum(axis=1) if res.seasonal.ndim > 1 else res.seasonal
        else:
            res = STL(adj, period=per_day, seasonal_jump=1, trend_jump=10, low_pass_jump=10).fit()
            seasonal = res.seasonal
        slot = ((gts % DAY) // self.bucket).astype(int)
        last = slice(max(0, gts.size - per_day), gts.size)  # the latest day's cycle goes forward
        self.daily = np.zeros(per_day)
        self.daily[slot[last]] = seasonal[last]
        # what is left by day type and time of day (a weekend's later morning, say), measured
        # against the cycle that goes forward, which is what scoring will add them to: against each
        # day's own STL cycle (as before) they did not fit a cycle taken from a Sunday, and Mondays
        # came out ~3 scales off when weekends lower the daytime only (not by one factor)
        seasonal = self.daily[slot]
        rest = adj - res.trend - seasonal
        self.offsets = np.zeros((2, per_day))
        if wk.any() and (~wk).any():
            for k, mask in enumerate((~wk, wk)):
                for sl in range(per_day):
                    vals = rest[mask & (slot == sl)]
                    if vals.size:
                        self.offsets[k, sl] = np.median(vals)
        # the level: each day's median once the cycles are removed; going forward, the median
        # of the last three days (one odd day, a holiday, does not move it); in sample, each day
        # is judged with the level of the days before it, as it will be when scoring
        deseason = adj - seasonal - self.offsets[wk.astype(int), slot]
        day_ids = gts // DAY
        uniq = np.unique(day_ids)
        day_level = np.array([np.median(deseason[day_ids == d]) for d in uniq])
        self.level = float(np.median(day_level[-3:]))
        prior = np.array([np.median(day_level[max(0, i - 3) : i]) if i else day_level[0] for i in range(uniq.size)])
        lvl = prior[np.searchsorted(uniq, day_ids)]
        self._insample = (gts, lvl + seasonal + self.offsets[wk.astype(int), slot])
        # spread of minute-level residuals per hour of day (busy hours are noisier)
        resid = y - self._expected_in_sample(ts)
        self.hourly_scale = hourly_scale(ts, resid, self.level, y)

    def _to_weekday(self, v: np.ndarray, kind: np.ndarray) -> np.ndarray:
        return np.where(kind, v / self.factor if self.multiplicative else v - self.offset, v)

    def _from_weekday(self, v: np.ndarray, kind: np.ndarray) -> np.ndarray:
        return np.where(kind, v * self.factor if self.multiplicative else v + self.offset, v)

    def _profile(self, ts: np.ndarray, kind: np.ndarray) -> np.ndarray:
        slot = ((ts % DAY) / self.bucket).astype(float)
        per_day = self.daily.size
        lo = np.floor(slot).astype(int) % per_day
        hi = (lo + 1) % per_day
        w = slot - np.floor(slot)
        k = kind.astype(int)
        at_lo = self.daily[lo] + self.offsets[k, lo]
        at_hi = self.daily[hi] + self.offsets[k, hi]
        return (1 - w) * at_lo + w * at_hi

    def _expected_in_sample(self, ts: np.ndarray) -> np.ndarray:
        gts, fitted = self._insample
        return self._from_weekday(np.interp(ts, gts, fitted), weekend(ts))

    def _expected(self, ts: np.ndarray, kind: np.ndarray) -> np.ndarray:
        return self._from_weekday(self.level + self._profile(ts, kind), kind)

    def expected(self, ts: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray, y: np.ndarray) -> np.ndarray:
        """A weekday is scored against the weekday profile until the points seen so far that day
        (strictly before each point) fit the weekend profile clearly better: a holiday then
        reads as a weekend."""
        kind = weekend(ts).copy()
        all_ts = np.concatenate([ctx_ts, ts])
        all_y = np.concatenate([ctx_y, y])
        days = all_ts // DAY
        new = np.zeros(all_ts.size, dtype=bool)
        new[ctx_ts.size :] = True
        for day in np.unique(ts // DAY):
            sel = days == day
            t_day, y_day = all_ts[sel], all_y[sel]
            ok = np.isfinite(y_day)
            # squared residuals in scales (clipped: one odd point must not decide), so the sums
            # below are log-likelihoods and evidence for the other profile accumulates with time
            sc = self.scale(t_day)
            errs = [np.where(ok, np.minimum(((y_day - self._expected(t_day, np.full(t_day.shape, k))) / sc) ** 2, 9.0),
                             0.0) for k in (False, True)]  # fmt: skip
            before = [np.concatenate([[0.0], np.cumsum(e)[:-1]]) for e in errs]
            seen = np.concatenate([[0], np.cumsum(ok)[:-1]])
            natural = bool(weekend(np.array([day * DAY]))[0])
            own, other = before[int(natural)], before[int(not natural)]
            if natural:  # only weekdays switch: a quiet weekday is a holiday; a busy weekend is news
                continue
            # the weekend profile is taken once it is e^5 (~150) times likelier than the weekday's;
            # a ratio of error sums (before) was diluted by the night, when both profiles agree, so
            # a holiday's morning was judged against the weekday profile for hours
            flip = (seen >= 5) & ((own - other) / 2 > HOLIDAY_EVIDENCE)
            kind[(ts // DAY) == day] = np.where(flip[new[sel]], True, natural)
        return self._expected(ts, kind)

    def scale(self, ts: np.ndarray) -> np.ndarray:
        return self.hourly_scale[((ts % DAY) // 3600).astype(int)]

    def point_stat(self, ts: np.ndarray, y: np.ndarray, ctx_ts: np.ndarray, ctx_y: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def seasonal_strength(ts: np.ndarray, y: np.ndarray) -> float:
    """The share of within-day variation on 5-minute means that a repeating daily cycle explains.

    Estimated split-half: the covariance of the mean daily profiles of alternate days, over the
    variance left once each day's mean is removed. Noise is independent between the halves, so it
    does not count as a cycle however few days there are (Hyndman's F_s from STL, used before, gave
    white noise 0.4 over a week and 0.7 over three days, so noisy gauges were taken for seasonal).
    """
    if ts.size < 2 or ts[-1] - ts[0] < 2 * DAY:
        return 0.0
    step = max(BUCKET, step_of(ts))
    gts, gy = downsample(ts, y, step)
    per_day = DAY // step
    days, inv = np.unique(gts // DAY, return_inverse=True)
    rest = gy - (np.bincount(inv, weights=gy) / np.bincount(inv))[inv]
    slot = ((gts % DAY) // step).astype(int)
    half = days[inv] % 2
    prof = np.full((2, per_day), np.nan)
    for h in (0, 1):
        m = half == h
        counts = np.bincount(slot[m], minlength=per_day)
        with np.errstate(invalid="ignore", divide="ignore"):
            prof[h] = np.bincount(slot[m], weights=rest[m], minlength=per_day) / counts
    ok = np.isfinite(prof).all(axis=0)
    total = float(np.var(rest))
    if ok.sum() < 2 or total <= 0:
        return 0.0
    a, b = prof[0, ok], prof[1, ok]
    return float(np.clip(np.mean((a - a.mean()) * (b - b.mean())) / total, 0.0, 1.0))
