"""Evaluating SLOs as of a moment: windows summed in ClickHouse, budget math, burn-rate alerts.

`evaluate` is stateless (what `ollystack slo status --at` and the agent's tools call); the alert
hysteresis it needs comes from the recorded alert events. `Evaluator` is the clock-driven loop
the service runs: it records alert transitions and raises Signals.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from ..signals import Signal, SignalSink
from ..store import Store
from . import budget as B
from .durations import format_duration
from .measure import MEASUREMENTS, LiveMinute, Measurer, lookback_start
from .model import SLO, AlertRule
from .registry import Registry
from .windows import MINUTE, as_utc, floor_minute, window_span

log = logging.getLogger(__name__)
ALERT_EVENTS = "slo_alert_events"
CURRENT = timedelta(hours=1)  # "the current burn rate" for time-to-exhaustion
AlertState = Literal["ok", "firing", "no_data"]


class Clock(Protocol):
    def now(self) -> float: ...


@dataclass(frozen=True)
class Prior:
    state: AlertState
    since: datetime


@dataclass
class AlertStatus:
    rule: AlertRule
    state: AlertState
    long_burn_rate: float | None
    short_burn_rate: float | None
    since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.rule.severity,
            "long_window": format_duration(self.rule.long_window),
            "short_window": format_duration(self.rule.short_window),
            "windows": [format_duration(self.rule.long_window), format_duration(self.rule.short_window)],
            "burn_rate_threshold": self.rule.burn_rate,
            "long_burn_rate": self.long_burn_rate,
            "short_burn_rate": self.short_burn_rate,
            "state": self.state,
            "since": self.since.isoformat() if self.since else None,
        }


@dataclass
class SLOStatus:
    slo: SLO
    at: datetime
    window_start: datetime
    period_end: datetime
    counts: B.Counts
    ratio: B.Ratio
    budget: B.Budget
    burn_rates: dict[str, float | None]
    alerts: list[AlertStatus]
    status: B.Status
    exhaustion: timedelta | None

    @property
    def firing(self) -> list[AlertStatus]:
        return [a for a in self.alerts if a.state == "firing"]

    def to_json(self) -> dict[str, Any]:
        slo, b = self.slo, self.budget
        sli = self.ratio.sli
        return {
            "name": slo.name,
            "tenant": slo.tenant,
            "service": slo.service,
            "description": slo.description,
            "at": self.at.isoformat(),
            "status": self.status.value,
            "target": slo.target,
            "objective": slo.objective,
            "window": slo.window.label,
            "window_start": self.window_start.isoformat(),
            "window_end": self.period_end.isoformat(),
            "budgeting": slo.budgeting.method,
            "sli_type": slo.sli.type,
            "sli": sli,
            "error_rate": None if sli is None else 1.0 - sli,
            "good": self.ratio.good,
            "total": self.ratio.counted,
            "events": {"good": self.counts.good, "total": self.counts.total, "bad": self.counts.bad},
            "error_budget_total": b.total,
            "error_budget_consumed": b.consumed,
            "error_budget_consumed_fraction": b.consumed_fraction,
            "error_budget_remaining": b.remaining_fraction,
            "error_budget_remaining_amount": b.remaining,
            "error_budget_unit": b.unit,
            "burn_rates": self.burn_rates,
            "time_to_exhaustion_seconds": None if self.exhaustion is None else self.exhaustion.total_seconds(),
            "alerts": [a.to_json() for a in self.firing],
            "alert_rules": [a.to_json() for a in self.alerts],
        }


def _label(d: timedelta) -> str:
    return format_duration(d)


def _windows(slo: SLO, end: datetime, extra: Sequence[timedelta] = ()) -> dict[str, datetime]:
    """Window label -> first minute it covers (all end at `end`, the minute in progress added)."""
    span = window_span(slo.window, end)
    out = {"window": span.start if slo.window.type == "calendar" else end - slo.window.nominal}
    for d in [CURRENT, *(r.long_window for r in slo.alerts), *(r.short_window for r in slo.alerts), *extra]:
        out[_label(d)] = end - d
    return out


def _band_counts(store: Store, tenant: str, slos: Sequence[SLO], edges: list[datetime],
                 since: dict[uuid.UUID, datetime]) -> dict[uuid.UUID, dict[int, B.Counts]]:  # fmt: skip
    """Sum stored minutes per SLO into bands between consecutive window starts (newest first).

    Band k holds the minutes at or after edges[k-1] and before edges[k-2]; a window starting at
    edges[j] is bands 1..j+1. Each SLO reads its stored minutes before its `since` only. Embedded,
    no FINAL: one process writes each minute once under a lock (FINAL would double the cost of a
    30-day read); a server may have several writers, so there FINAL removes their duplicates.
    """
    if not slos or not edges:
        return {}
    params: dict[str, Any] = {"ids": [str(s.slo_id) for s in slos], "hashes": [s.sli_hash for s in slos],
                              "since": [since[s.slo_id] for s in slos], "oldest": edges[-1]}  # fmt: skip
    arms = []
    for i, edge in enumerate(edges):
        params[f"e{i}"] = edge
        arms.append(f"Timestamp >= {{e{i}:DateTime}}, {i + 1}")
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT SLOId, multiIf({", ".join(arms)}, 0) AS band,
                   sum(TotalCount), sum(GoodCount), count(), sum(IsGood)
            FROM {store.options.database}.{MEASUREMENTS} {"" if store.embedded else "FINAL"}
            WHERE TenantId = {{tenant:String}} AND SLOId IN {{ids:Array(UUID)}}
              AND SLIHash = transform(toString(SLOId), {{ids:Array(String)}}, {{hashes:Array(UInt64)}}, 0)
              AND Timestamp >= {{oldest:DateTime}}
              AND Timestamp < transform(toString(SLOId), {{ids:Array(String)}}, {{since:Array(DateTime)}},
                                        toDateTime(0))
            GROUP BY SLOId, band""",
            params,
        )
        .result_rows
    )
    out: dict[uuid.UUID, dict[int, B.Counts]] = {}
    for slo_id, band, total, good, minutes, good_minutes in rows:
        out.setdefault(slo_id, {})[int(band)] = B.Counts(int(total), int(good), int(minutes), int(good_minutes))
    return out


def prior_states(store: Store, tenant: str, slos: Sequence[SLO], at: datetime) -> dict[tuple[uuid.UUID, str], Prior]:
    """Each alert rule's last recorded state at or before `at`."""
    if not slos:
        return {}
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT SLOId, Severity, LongWindowSeconds, ShortWindowSeconds, argMax(State, At), max(At)
            FROM {store.options.database}.{ALERT_EVENTS}
            WHERE TenantId = {{tenant:String}} AND SLOId IN {{ids:Array(UUID)}} AND At <= {{at:DateTime64(3)}}
            GROUP BY SLOId, Severity, LongWindowSeconds, ShortWindowSeconds""",
            {"ids": [s.slo_id for s in slos], "at": at},
        )
        .result_rows
    )
    out = {}
    for slo_id, severity, long_s, short_s, state, when in rows:
        key = f"{severity}:{format_duration(long_s)}/{format_duration(short_s)}"
        out[(slo_id, key)] = Prior("firing" if state == "firing" else "no_data" if state == "no_data" else "ok",
                                   as_utc(when))  # fmt: skip
    return out


def _alert(slo: SLO, rule: AlertRule, rates: dict[str, float | None], prior: Prior | None, at: datetime) -> AlertStatus:
    """Both windows over the threshold fires; once firing it holds until the short window recovers."""
    long, short = rates.get(_label(rule.long_window)), rates.get(_label(rule.short_window))
    if long is None:
        state: AlertState = "no_data"
    elif (
        short is not None
        and short >= rule.burn_rate - B.EPS
        and (long >= rule.burn_rate - B.EPS or (prior is not None and prior.state == "firing"))
    ):
        state = "firing"
    else:
        state = "ok"
    since = prior.since if prior is not None and prior.state == state else at
    return AlertStatus(rule, state, long, short, since)


def evaluate_many(
    store: Store,
    tenant: str,
    slos: Sequence[SLO],
    at: datetime,
    *,
    measurer: Measurer | None = None,
    priors: dict[tuple[uuid.UUID, str], Prior] | None = None,
    commit: bool = True,
    windows: Sequence[timedelta] = (),
) -> list[SLOStatus]:
    """Status of each SLO as of `at`. Stored minutes are brought up to date on the way (without
    `commit`, recent minutes are counted but not stored). `windows` adds burn rates over any
    other whole-minute windows, up to the SLO's own window."""
    at = as_utc(at)
    slos = list(slos)
    if not slos:
        return []
    measurer = measurer or Measurer(store)
    end = floor_minute(at)
    for w in windows:
        if w < MINUTE or w % MINUTE:
            raise ValueError(f"burn-rate window {format_duration(w)}: use whole minutes (e.g. 15m, 2h)")
        for slo in slos:
            if end - w < lookback_start(slo, at):
                raise ValueError(f"burn-rate window {format_duration(w)} is longer than SLO {slo.name}'s window")
    per_slo = {s.slo_id: _windows(s, end, windows) for s in slos}
    edges = sorted({t for w in per_slo.values() for t in w.values()}, reverse=True)
    with store.lock("slo-measurements"):  # the loop and API requests share the stored minutes
        measurer.reconcile(tenant, slos, at)
        since = measurer.prepare(tenant, slos, at)
        bands = _band_counts(store, tenant, slos, edges, since)
        live = measurer.live(tenant, slos, since, at, commit=commit)
    if priors is None:
        priors = prior_states(store, tenant, slos, at)
    out = []
    for slo in slos:
        got = bands.get(slo.slo_id, {})
        recent: list[LiveMinute] = live.get(slo.slo_id, [])
        in_progress = any(m.minute >= end for m in recent)
        counts: dict[str, B.Counts] = {}
        ratios: dict[str, B.Ratio] = {}
        for label, start in per_slo[slo.slo_id].items():
            idx = edges.index(start) + 1  # bands 1..idx lie inside this window
            c = sum((got.get(b, B.Counts()) for b in range(1, idx + 1)), B.Counts())
            c = sum((B.Counts(m.total, m.good, 1, int(m.is_good)) for m in recent if m.minute >= start), c)
            counts[label] = c
            minutes = (end - start) / MINUTE + (1 if in_progress else 0)
            ratios[label] = B.ratio(slo, c, minutes)
        span = window_span(slo.window, at)
        whole, whole_ratio = counts["window"], ratios["window"]
        rates = {label: (B.burn_rate(slo, r) if B.has_data(slo, counts[label]) else None)
                 for label, r in ratios.items()}  # fmt: skip
        alerts = [_alert(slo, r, rates, priors.get((slo.slo_id, r.key)), at) for r in slo.alerts]
        period = span.period if slo.window.type == "calendar" else slo.window.nominal
        bud = B.budget(slo, whole_ratio, period)
        has = B.has_data(slo, whole)
        remaining = bud.remaining_fraction if has else None
        burn_rates = {(format_duration(slo.window.nominal) if k == "window" else k): v for k, v in rates.items()}
        out.append(SLOStatus(
            slo=slo, at=at, window_start=per_slo[slo.slo_id]["window"], period_end=span.period_end if
            slo.window.type == "calendar" else at, counts=whole, ratio=whole_ratio, budget=bud, burn_rates=burn_rates,
            alerts=alerts, status=B.status(slo, has, remaining, any(a.state == "firing" for a in alerts)),
            exhaustion=B.exhaustion(remaining, rates.get(_label(CURRENT)), period),
        ))  # fmt: skip
    return out


def evaluate(store: Store, slo: SLO, at: datetime, measurer: Measurer | None = None,
             windows: Sequence[timedelta] = ()) -> SLOStatus:  # fmt: skip
    return evaluate_many(store, slo.tenant, [slo], at, measurer=measurer, windows=windows)[0]


# -- the clock-driven loop ---------------------------------------------------------------------
def _severity(rule: AlertRule) -> Literal["critical", "warning"]:
    return "critical" if rule.severity == "page" else "warning"


def _signal(st: SLOStatus, a: AlertStatus, state: Literal["firing", "resolved"], db: str) -> Signal:
    slo, rule = st.slo, a.rule
    ratio = min(a.long_burn_rate or 0.0, a.short_burn_rate or 0.0) / rule.burn_rate
    verb = "is burning its error budget" if state == "firing" else "burn rate recovered"
    return Signal(
        tenant=slo.tenant, source="slo", kind="slo_burn_rate", state=state, service=slo.service, series=slo.name,
        title=f"SLO {slo.name} {verb}: {a.long_burn_rate or 0:.1f}x over {_label(rule.long_window)}, "
              f"{a.short_burn_rate or 0:.1f}x over {_label(rule.short_window)} (threshold {rule.burn_rate:g}x)",
        severity=_severity(rule), score=min(1.0, 0.5 + 0.25 * ratio) if state == "firing" else 0.0,
        start=a.since or st.at, at=st.at,
        evidence={"slo": slo.name, "severity": rule.severity, "target": slo.target,
                  "long_window": _label(rule.long_window), "short_window": _label(rule.short_window),
                  "burn_rate_threshold": rule.burn_rate, "long_burn_rate": a.long_burn_rate,
                  "short_burn_rate": a.short_burn_rate, "error_budget_remaining": st.budget.remaining_fraction,
                  "sli": st.ratio.sli},
        query=(f"SELECT Timestamp, TotalCount, GoodCount FROM {db}.{MEASUREMENTS} FINAL WHERE SLOId = "
               f"'{slo.slo_id}' AND SLIHash = {slo.sli_hash} AND Timestamp >= "
               f"'{(st.at - rule.long_window):%Y-%m-%d %H:%M:%S}' ORDER BY Timestamp"),
        dedup_key=f"slo:{slo.tenant}:{slo.name}:{rule.key}",
    )  # fmt: skip


@dataclass
class Evaluator:
    """Runs every SLO of every tenant on a clock; records alert transitions and raises Signals."""

    store: Store
    clock: Clock
    sinks: list[SignalSink] = field(default_factory=list)
    lateness: timedelta = timedelta(minutes=3)
    registry: Registry = field(init=False)
    measurer: Measurer = field(init=False)
    _priors: dict[str, dict[tuple[uuid.UUID, str], Prior]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.registry = Registry(self.store)
        self.measurer = Measurer(self.store, self.lateness)

    def cycle(self) -> list[SLOStatus]:
        at = datetime.fromtimestamp(self.clock.now(), UTC)
        out = []
        for tenant in self.registry.tenants():
            try:
                slos = [s.slo for s in self.registry.list(tenant)]
                if tenant not in self._priors:
                    self._priors[tenant] = prior_states(self.store, tenant, slos, at)
                priors = self._priors[tenant]
                statuses = evaluate_many(self.store, tenant, slos, at, measurer=self.measurer, priors=priors)
                self._transitions(tenant, statuses, priors)
            except Exception:  # one tenant's failure must not stop the others' alerts
                log.exception("SLO evaluation failed for tenant %s", tenant)
                continue
            out += statuses
        return out

    def _transitions(self, tenant: str, statuses: list[SLOStatus], priors: dict[tuple[uuid.UUID, str], Prior]) -> None:
        events = []
        for st in statuses:
            for a in st.alerts:
                key = (st.slo.slo_id, a.rule.key)
                before = priors.get(key)
                was = before.state if before else "ok"
                if a.state == was:
                    continue
                priors[key] = Prior(a.state, st.at)
                recorded = "resolved" if was == "firing" and a.state == "ok" else a.state
                events.append([st.slo.slo_id, st.slo.name, a.rule.severity, int(a.rule.long_window.total_seconds()),
                               int(a.rule.short_window.total_seconds()), a.rule.burn_rate, recorded, st.at,
                               a.long_burn_rate or 0.0, a.short_burn_rate or 0.0])  # fmt: skip
                if a.state == "firing" or was == "firing":
                    a.since = st.at
                    signal = _signal(
                        st, a, "firing" if a.state == "firing" else "resolved", self.store.options.database
                    )
                    for sink in self.sinks:
                        sink.emit(signal)
                    log.info("%s", signal.title)
        self.store.writer(tenant).insert_rows(
            ALERT_EVENTS,
            ["SLOId", "SLOName", "Severity", "LongWindowSeconds", "ShortWindowSeconds", "BurnRateThreshold", "State",
             "At", "LongBurnRate", "ShortBurnRate"],
            events,
        )  # fmt: skip
