"""Clocks: wall time for live traffic, virtual time for backfill and evals."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class WallClock:
    def now(self) -> float:
        return time.time()


class VirtualClock:
    """Time that moves only when told to, so two weeks of history take seconds to produce."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("virtual time does not go backwards")
        self._now += seconds
        return self._now

    def set(self, t: float) -> None:
        if t < self._now:
            raise ValueError("virtual time does not go backwards")
        self._now = float(t)
