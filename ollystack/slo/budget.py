"""Error-budget arithmetic on counts that ClickHouse summed: SLI, budget, burn rate, exhaustion.

Occurrences (request-based): the budget is (1 - objective) of the events in the window.
Timeslices (period-based): the budget is (1 - objective) of the window's minutes; a minute is bad
when its own SLI misses, and minutes without data count as the SLO's `no_data` rule says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from .model import SLO

EPS = 1e-9


class Status(StrEnum):
    OK = "OK"
    WARNING = "WARNING"
    BREACHED = "BREACHED"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


@dataclass(frozen=True)
class Counts:
    """What a window holds: events (total, good) and minutes with data (and good ones among them)."""

    total: int = 0
    good: int = 0
    minutes: int = 0
    good_minutes: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.total + other.total, self.good + other.good, self.minutes + other.minutes,
                      self.good_minutes + other.good_minutes)  # fmt: skip

    @property
    def bad(self) -> int:
        return self.total - self.good


@dataclass(frozen=True)
class Ratio:
    """Good and counted units (events, or minutes for timeslices) in a window."""

    good: float
    counted: float

    @property
    def bad(self) -> float:
        return self.counted - self.good

    @property
    def sli(self) -> float | None:
        return self.good / self.counted if self.counted > 0 else None


def ratio(slo: SLO, c: Counts, window_minutes: float) -> Ratio:
    """Counted units of a window: events, or minutes with the no-data rule applied."""
    if slo.budgeting.method == "occurrences":
        return Ratio(c.good, c.total)
    empty = max(0.0, window_minutes - c.minutes)
    rule = slo.budgeting.no_data
    if rule == "good":
        return Ratio(c.good_minutes + empty, c.minutes + empty)
    if rule == "bad":
        return Ratio(c.good_minutes, c.minutes + empty)
    return Ratio(c.good_minutes, c.minutes)


def has_data(slo: SLO, c: Counts) -> bool:
    return c.total > 0 if slo.budgeting.method == "occurrences" else c.minutes > 0


def burn_rate(slo: SLO, r: Ratio) -> float | None:
    """How fast the window spends budget: 1.0 spends exactly all of it over the SLO window."""
    if r.counted <= 0:
        return None
    return (r.bad / r.counted) / slo.allowance


@dataclass(frozen=True)
class Budget:
    total: float  # in events (occurrences) or minutes (timeslices)
    consumed: float
    unit: str

    @property
    def consumed_fraction(self) -> float | None:
        return self.consumed / self.total if self.total > 0 else None

    @property
    def remaining(self) -> float:
        return self.total - self.consumed

    @property
    def remaining_fraction(self) -> float | None:
        f = self.consumed_fraction
        return None if f is None else 1.0 - f


def budget(slo: SLO, whole: Ratio, period: timedelta) -> Budget:
    """The window's budget: a share of its events so far, or of all the minutes of its period."""
    allowed = slo.allowance
    if slo.budgeting.method == "occurrences":
        return Budget(allowed * whole.counted, whole.bad, "events")
    minutes = period.total_seconds() / 60 if slo.budgeting.no_data != "ignore" else whole.counted
    return Budget(allowed * minutes, whole.bad, "minutes")


def exhaustion(remaining_fraction: float | None, rate: float | None, period: timedelta) -> timedelta | None:
    """When the rest of the budget is gone if the current burn rate holds (None: not burning)."""
    if remaining_fraction is None or rate is None:
        return None
    if remaining_fraction <= 0:
        return timedelta(0)
    if rate <= EPS:
        return None
    return timedelta(seconds=remaining_fraction * period.total_seconds() / rate)


def status(slo: SLO, has: bool, remaining_fraction: float | None, alerting: bool) -> Status:
    if not has or remaining_fraction is None:
        return Status.INSUFFICIENT_DATA
    if remaining_fraction < -EPS:
        return Status.BREACHED
    if alerting or remaining_fraction < slo.warning_budget_remaining:
        return Status.WARNING
    return Status.OK
