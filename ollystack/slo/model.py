"""The SLO model: what an SLI counts, the objective, the window, budgeting and burn-rate alerts.

Native YAML, OpenSLO v1 and Sloth specs all become these models; the evaluator reads only them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .durations import format_duration, parse_duration

SLIType = Literal["latency", "error_rate", "availability"]
SpanKind = Literal["server", "client", "producer", "consumer", "internal"]
CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
Severity = Literal["page", "ticket"]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$"
_NAMESPACE = uuid.UUID("6f1d5c52-3f0e-4d4c-9a57-2a3f2b8c4e10")
_CALENDAR_NOMINAL = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "quarter": timedelta(days=90),
    "year": timedelta(days=365),
}
#: The SRE Workbook's alerts for a 30-day SLO: (severity, long window, short window, budget spent in the long one)
WORKBOOK_ALERTS: tuple[tuple[Severity, timedelta, timedelta, float], ...] = (
    ("page", timedelta(hours=1), timedelta(minutes=5), 0.02),
    ("page", timedelta(hours=6), timedelta(minutes=30), 0.05),
    ("ticket", timedelta(days=1), timedelta(hours=2), 0.10),
    ("ticket", timedelta(days=3), timedelta(hours=6), 0.10),
)
_WORKBOOK_WINDOW = timedelta(days=30)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> Any:
    """`5m`-style text; ISO-8601 (`P30D`, how stored specs spell it) is left to pydantic."""
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        return value
    return parse_duration(value)


class Matcher(_Strict):
    """A label matcher as PromQL writes them (`=`, `!=`, `=~`, `!~`), on a point attribute."""

    key: str = Field(min_length=1)
    op: Literal["=", "!=", "=~", "!~"] = "="
    value: str


class MetricSelector(_Strict):
    """One OTLP metric (a sum/counter for ratios, a histogram for latency), narrowed by attributes."""

    name: str = Field(min_length=1)
    attributes: dict[str, str] = Field(default_factory=dict)
    matchers: list[Matcher] = Field(default_factory=list)


class SLI(_Strict):
    """What counts as a good and a valid event, and where the events come from."""

    type: SLIType
    source: Literal["spans", "metric", "synthetics"] = "spans"
    # spans: the requests this SLI watches
    span_names: list[str] = Field(default_factory=list)
    route: str | None = None
    span_kinds: list[SpanKind] = Field(default_factory=lambda: ["server", "consumer"])
    attributes: dict[str, str] = Field(default_factory=dict)
    errors: Literal["status", "http_5xx"] = "status"
    # latency: good when at or under the threshold
    threshold_ms: float | None = Field(None, gt=0)
    percentile: float | None = Field(None, gt=0, lt=100)
    errors_are_bad: bool = False
    # metric: a histogram for latency, counters for ratios
    metric: MetricSelector | None = None
    good_metric: MetricSelector | None = None
    bad_metric: MetricSelector | None = None
    total_metric: MetricSelector | None = None
    # synthetics: the check (canary) whose runs count
    check: str | None = None

    @field_validator("span_names", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("metric", "good_metric", "bad_metric", "total_metric", mode="before")
    @classmethod
    def _metric_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _complete(self) -> SLI:
        if self.type == "latency" and self.threshold_ms is None:
            raise ValueError("a latency SLI needs threshold_ms (or threshold: 300ms)")
        if self.type != "latency" and (self.threshold_ms is not None or self.percentile is not None):
            raise ValueError(f"threshold/percentile apply to latency SLIs, not {self.type}")
        if self.source == "metric":
            if self.type == "latency":
                if self.metric is None:
                    raise ValueError(
                        "a latency SLI from metrics needs `metric`: a histogram, e.g. http.server.request.duration"
                    )
            elif self.total_metric is None or (self.good_metric is None) == (self.bad_metric is None):
                raise ValueError(
                    "a ratio SLI from metrics needs total_metric and exactly one of good_metric, bad_metric"
                )
        elif self.metric or self.good_metric or self.bad_metric or self.total_metric:
            raise ValueError(f"metric selectors need source: metric (source is {self.source})")
        if self.percentile is not None and self.source != "spans":
            raise ValueError("percentile timeslices are computed from spans; metric and synthetics SLIs use ratios")
        if self.source == "synthetics" and not self.check:
            raise ValueError("a synthetics SLI needs `check`: the synthetic check's name")
        if self.source != "synthetics" and self.check:
            raise ValueError("`check` needs source: synthetics")
        if self.source != "spans" and (self.span_names or self.route or self.errors != "status"):
            raise ValueError("span_names, route and errors filter spans: they need source: spans")
        return self


class Window(_Strict):
    """Rolling (the last N days) or calendar (this week/month/... in a time zone)."""

    type: Literal["rolling", "calendar"] = "rolling"
    duration: timedelta | None = None
    unit: CalendarUnit | None = None
    timezone: str = "UTC"

    @field_validator("duration", mode="before")
    @classmethod
    def _dur(cls, value: Any) -> Any:
        return None if value is None else _duration(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from exc
        return value

    @model_validator(mode="after")
    def _shape(self) -> Window:
        if self.type == "rolling":
            if self.duration is None or self.duration < timedelta(minutes=5):
                raise ValueError("a rolling window needs a duration of at least 5m (e.g. 30d)")
            if self.duration.total_seconds() % 60:
                raise ValueError("a rolling window is a whole number of minutes")
            if self.unit is not None:
                raise ValueError("`unit` is for calendar windows")
        elif self.unit is None:
            raise ValueError("a calendar window needs a unit: day, week, month, quarter or year")
        return self

    @property
    def nominal(self) -> timedelta:
        """The window's length for scaling alert windows (a calendar month counts as 30 days)."""
        return self.duration if self.duration is not None else _CALENDAR_NOMINAL[self.unit or "month"]

    @property
    def label(self) -> str:
        """`30d`, or `calendar month (Europe/Paris)`: how status output names the window."""
        return format_duration(self.nominal) if self.type == "rolling" else self.describe()

    def describe(self) -> str:
        if self.type == "rolling":
            return f"rolling {format_duration(self.nominal)}"
        return f"calendar {self.unit} ({self.timezone})"


class Budgeting(_Strict):
    """Occurrences (request-based) or timeslices (period-based, one-minute slices)."""

    method: Literal["occurrences", "timeslices"] = "occurrences"
    timeslice_target: float | None = Field(None, gt=0, le=1)
    no_data: Literal["good", "bad", "ignore"] = "good"


class AlertRule(_Strict):
    """Fire when both windows burn at least `burn_rate` times the sustainable rate."""

    severity: Severity
    long_window: timedelta
    short_window: timedelta
    burn_rate: float = Field(gt=0)

    @field_validator("long_window", "short_window", mode="before")
    @classmethod
    def _dur(cls, value: Any) -> Any:
        return _duration(value)

    @model_validator(mode="after")
    def _order(self) -> AlertRule:
        if self.short_window >= self.long_window:
            raise ValueError("short_window must be shorter than long_window")
        if self.short_window < timedelta(minutes=1):
            raise ValueError("windows are at least 1m (SLIs are measured per minute)")
        return self

    @property
    def key(self) -> str:
        return f"{self.severity}:{format_duration(self.long_window)}/{format_duration(self.short_window)}"


def _round_minutes(d: timedelta) -> timedelta:
    return timedelta(minutes=max(1, round(d.total_seconds() / 60)))


def default_alerts(window: Window) -> list[AlertRule]:
    """The Workbook's four alerts with windows scaled to this SLO's window (burn rates kept)."""
    scale = window.nominal / _WORKBOOK_WINDOW
    rules = []
    for severity, long, short, spent in WORKBOOK_ALERTS:
        long_s, short_s = _round_minutes(long * scale), _round_minutes(short * scale)
        if short_s >= long_s:
            long_s = short_s + timedelta(minutes=1)
        rules.append(AlertRule(severity=severity, long_window=long_s, short_window=short_s,
                               burn_rate=round(spent * _WORKBOOK_WINDOW / long, 6)))  # fmt: skip
    return rules


class SLO(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    service: str = Field(min_length=1)
    tenant: str = "default"
    description: str = ""
    sli: SLI
    target: float = Field(gt=0, lt=100, description="percent of good events (or minutes), e.g. 99.9")
    window: Window
    budgeting: Budgeting = Field(default_factory=Budgeting)
    alerts: list[AlertRule] = Field(default_factory=list)
    warning_budget_remaining: float = Field(0.25, ge=0, le=1)
    channels: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value

    @property
    def objective(self) -> float:
        return round(self.target / 100.0, 12)

    @property
    def allowance(self) -> float:
        """The share of events (or minutes) allowed to be bad: 1 - objective, without float dust."""
        return round(1.0 - self.objective, 12)

    @property
    def slo_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"{self.tenant}/{self.name}")

    @property
    def sli_hash(self) -> int:
        """Identifies what the minute measurements mean; a changed SLI is measured afresh."""
        basis = {
            "sli": self.sli.model_dump(mode="json"),
            "service": self.service,
            "budgeting": self.budgeting.model_dump(mode="json"),
            "slice_target": self.slice_target,
        }
        digest = hashlib.blake2b(orjson.dumps(basis, option=orjson.OPT_SORT_KEYS), digest_size=8).digest()
        return int.from_bytes(digest, "big") >> 1  # fits Int64 too

    @property
    def slice_target(self) -> float:
        """For timeslices: a minute is good when its ratio reaches this (default: the objective)."""
        return self.budgeting.timeslice_target or self.objective

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["window"] = window_spec(self.window)
        data["alerts"] = [
            {"severity": r.severity, "long_window": format_duration(r.long_window),
             "short_window": format_duration(r.short_window), "burn_rate": r.burn_rate}
            for r in self.alerts
        ]  # fmt: skip
        return data


def window_spec(w: Window) -> Any:
    if w.type == "rolling":
        return format_duration(w.nominal)
    return {"type": "calendar", "unit": w.unit, "timezone": w.timezone}
