"""Where a window starts and ends at a given moment, in the SLO's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .model import Window

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Span:
    """The part of a window that has happened by `at`, and where the whole period ends."""

    start: datetime
    at: datetime
    period_end: datetime

    @property
    def elapsed(self) -> timedelta:
        return self.at - self.start

    @property
    def period(self) -> timedelta:
        return self.period_end - self.start


def floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def as_utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _calendar_start(local: datetime, unit: str) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":  # ISO weeks start on Monday
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(month=1, day=1)


def _calendar_next(start: datetime, unit: str) -> datetime:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = start.month - 1 + months
    return start.replace(year=start.year + index // 12, month=index % 12 + 1)


def window_span(w: Window, at: datetime) -> Span:
    """The window as of `at`: rolling windows end at `at`; calendar ones began at the period's
    start in the SLO's time zone (local midnight, DST-aware) and end at the next period's start."""
    at = as_utc(at)
    if w.type == "rolling":
        return Span(at - w.nominal, at, at)
    tz = ZoneInfo(w.timezone)
    unit = w.unit or "month"
    local = at.astimezone(tz)
    start_local = _calendar_start(local, unit).replace(tzinfo=None)
    end_local = _calendar_next(start_local, unit)
    start = start_local.replace(tzinfo=tz).astimezone(UTC)
    end = end_local.replace(tzinfo=tz).astimezone(UTC)
    return Span(start, at, end)
