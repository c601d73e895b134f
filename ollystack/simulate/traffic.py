"""How many users arrive when: daily and weekly seasonality, slow noise, quiet days, surges.

The rate is a pure function of time and seed (noise comes from a hash of the time bucket), so
backfill, live traffic and a rerun of the same scenario see exactly the same load.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


def _unit_noise(seed: int, bucket: int) -> float:
    """A deterministic standard-normal-ish number for (seed, bucket)."""
    digest = hashlib.blake2b(f"{seed}:{bucket}".encode(), digest_size=8).digest()
    u1 = (int.from_bytes(digest[:4], "big") + 1) / 2**32
    u2 = int.from_bytes(digest[4:], "big") / 2**32
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


@dataclass(frozen=True)
class Surge:
    """Extra traffic between `start` and `end` (unix seconds), `factor` times the normal rate."""

    start: float
    end: float
    factor: float


@dataclass(frozen=True)
class TrafficModel:
    base_rps: float = 2.0  # mean entry requests per second over a week
    daily_amplitude: float = 0.6  # 0: flat; 1: nights go to zero
    peak_hour: float = 14.0  # local hour of the daily peak
    weekend_factor: float = 0.6
    noise: float = 0.08  # spread of the slow (10-minute) multiplicative noise
    tz_offset_hours: float = 0.0
    quiet_days: tuple[date, ...] = ()  # holiday-like days, at `quiet_factor`
    quiet_factor: float = 0.35
    surges: tuple[Surge, ...] = field(default_factory=tuple)
    seed: int = 0

    def _local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, UTC) + timedelta(hours=self.tz_offset_hours)

    def seasonal(self, t: float) -> float:
        """The expected rate at `t` without noise or surges (requests per second)."""
        local = self._local(t)
        hour = local.hour + local.minute / 60 + local.second / 3600
        daily = 1 + self.daily_amplitude * math.cos(2 * math.pi * (hour - self.peak_hour) / 24)
        weekly = self.weekend_factor if local.weekday() >= 5 else 1.0
        quiet = self.quiet_factor if local.date() in self.quiet_days else 1.0
        # normalise so the weekly mean is base_rps
        week_mean = (5 + 2 * self.weekend_factor) / 7
        return self.base_rps * daily * weekly * quiet / week_mean

    def rate(self, t: float) -> float:
        noisy = self.seasonal(t) * math.exp(self.noise * _unit_noise(self.seed, int(t // 600)))
        for surge in self.surges:
            if surge.start <= t < surge.end:
                noisy *= surge.factor
        return max(noisy, 0.0)

    def arrivals(self, start: float, end: float, rnd: random.Random) -> list[float]:
        """Request start times in [start, end): a Poisson process following `rate` (by thinning)."""
        out: list[float] = []
        t = start
        step = 60.0
        while t < end:
            window_end = min(t + step, end)
            peak = max(self.rate(t), self.rate(window_end - 1e-6)) * 1.25 + 1e-9
            u = t
            while True:
                u += rnd.expovariate(peak)
                if u >= window_end:
                    break
                if rnd.random() * peak <= self.rate(u):
                    out.append(u)
            t = window_end
        return out


def lognormal_ms(rnd: random.Random, median_ms: float, sigma: float) -> float:
    """A long-tailed latency sample with the given median."""
    return median_ms * math.exp(sigma * rnd.gauss(0.0, 1.0))
