"""The log pattern detector: new patterns, pattern frequency anomalies and error surges.

It reads what the indexer wrote (`logindex`) up to the indexer's watermark, so a minute is judged
only once its lines are counted. Three kinds of Signal:

- **new pattern** (`log_new_pattern`): a template first seen in the last hour (or back after 14
  days unseen) that appeared `new_min_count` times, or `new_min_errors` times at ERROR or above.
  Only for services indexed for at least `min_baseline`, so a new service does not announce
  everything it says. It resolves after 10 minutes without the pattern.
- **pattern frequency** (`log_pattern_anomaly`): lines per minute of each template averaging at
  least `min_rate`, scored by the metric detector's calibrated models (seasonal with two weeks of
  history, the rolling fallback before), with its debounce: 3 anomalous minutes of 5 fire, 10
  normal ones resolve. A minute counts only when the model flags it and the change is large
  enough for a person to care (`ratio`× and `min_change` lines a minute, up or down), so a
  pattern spiking or disappearing fires, and noise in a quiet one does not.
- **error surge** (`log_error_surge`): a service's ERROR-and-above lines per minute, the same way
  (upward only), with the patterns that carry the errors as evidence.

Each firing signal carries the metric anomalies of the same service within ±10 minutes (from the
`signals` table) and SQL that reproduces it. Suppression windows apply, matched against
`service/logs/<template id>:count|new` and `service/logs:errors`.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ..signals import Signal, StoreSignals
from ..store import Store
from . import logstore
from .anomaly import CONTEXT, AnomalyDetector, Fitted
from .detector import CLEAR_AFTER, FIRE_K, FIRE_N, MetricDetector
from .logstore import ERROR_SEVERITY, WARN_SEVERITY, TemplateRecord
from .sources import SeriesKey
from .suppressions import Suppression, active

log = logging.getLogger(__name__)
NEW_KIND, FREQ_KIND, ERRORS_KIND = "log_new_pattern", "log_pattern_anomaly", "log_error_surge"


@dataclass(frozen=True)
class PatternKey:
    """A watched per-minute series: one template's lines, or (no template) a service's error lines."""

    service: str
    template_id: str = ""

    def series(self, measure: str = "count") -> SeriesKey:
        if self.template_id:
            return SeriesKey("logs", self.service, f"logs/{self.template_id}", measure)
        return SeriesKey("logs", self.service, "logs", "errors")


@dataclass
class _Watch:
    fitted: Fitted | None = None
    scored_until: int = 0
    recent: list[bool] = field(default_factory=list)
    firing: Signal | None = None
    normal_run: int = 0
    peak: float = 0.0


Series = dict[PatternKey, tuple[np.ndarray, np.ndarray]]


def _epoch(t: datetime) -> int:
    return int(t.timestamp())


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _severity(max_severity: int) -> str:
    return "high" if max_severity >= ERROR_SEVERITY else "warning" if max_severity >= WARN_SEVERITY else "info"


@dataclass
class LogPatternDetector:
    store: Store
    fa_rate: float = 1e-4
    history: timedelta = timedelta(days=14)
    min_baseline: timedelta = timedelta(days=1)  # a service's age before its new patterns count
    new_window: timedelta = timedelta(hours=1)  # a template first seen this recently is new
    new_min_count: int = 5
    new_min_errors: int = 2  # ... or this many at ERROR or above (one stray error line is not news)
    min_rate: float = 1.0  # lines a minute (since first seen) for a template's frequency to be watched
    min_change: float = 5.0  # lines a minute a spike or a drop must move by
    ratio: float = 2.0  # ... and by this factor of the usual level
    min_points: int = 60
    retrain: timedelta = timedelta(days=1)
    retrain_short: timedelta = timedelta(hours=1)
    model: str = "auto"
    coincide: timedelta = timedelta(minutes=10)
    max_delay: timedelta = timedelta(hours=1)  # minutes older than this when indexed (a backlog) are not judged
    suppressions: list[Suppression] = field(default_factory=list)
    _until: dict[str, datetime] = field(default_factory=dict, init=False)
    _fitted_at: dict[str, datetime] = field(default_factory=dict, init=False)
    _watch: dict[tuple[str, PatternKey], _Watch] = field(default_factory=dict, init=False)
    _announced: dict[str, datetime] = field(default_factory=dict, init=False)  # dedup key -> first seen
    _new_firing: dict[str, tuple[Signal, PatternKey]] = field(default_factory=dict, init=False)
    _windows: list[Suppression] = field(default_factory=list, init=False)
    _citing: dict[str, tuple[Signal, datetime]] = field(default_factory=dict, init=False)

    name = "log_pattern"

    def suppress(self, pattern: str, start: datetime, end: datetime, reason: str = "") -> Suppression:
        s = Suppression(pattern, start, end, reason)
        self.suppressions.append(s)
        return s

    def _suppressed(self, key: SeriesKey, at: datetime) -> bool:
        return any(s.covers(key, at) for s in [*self.suppressions, *self._windows])

    # -- the cycle ------------------------------------------------------------------------------
    def run(self, tenant: str, now: datetime) -> list[Signal]:
        """Judge the minutes indexed since the last run; returns signals that fired or resolved."""
        end = logstore.watermark(self.store, tenant)
        if end is None:
            return []
        det = AnomalyDetector(self.fa_rate, self.model)
        oldest = (now - self.max_delay).replace(second=0, microsecond=0)
        if tenant not in self._until:
            if end < oldest:
                return []  # the indexer is catching up on a backlog: start once it is near
            self._until[tenant] = end  # judge from now on; what came before is the baseline
            self._announced |= self._announced_before(tenant, end)
            self._fit_all(tenant, now, end, det)
            return []
        fallback = any(w.fitted is not None and w.fitted.fallback for (t, _), w in self._watch.items() if t == tenant)
        if now - self._fitted_at[tenant] >= (self.retrain_short if fallback else self.retrain):
            self._fit_all(tenant, now, end, det)
        start = max(self._until[tenant], oldest)
        if end <= start:
            return []
        self._windows = active(self.store, tenant, start - timedelta(minutes=CONTEXT))
        out = self._frequency(tenant, start, end, det)
        out += self._new_patterns(tenant, end)
        out += self._cite(tenant, end, out)
        self._until[tenant] = end
        return out

    # -- frequency and error surges ---------------------------------------------------------------
    def _series(self, rows: list[tuple[str, str, int, int, int]], start: datetime, end: datetime,
                known: set[PatternKey]) -> Series:  # fmt: skip
        """Per-minute series from minute rows: every template's lines and every service's errors.
        A series starts when it first shows in the window (or at its start when already watched);
        a minute without rows after that is zero."""
        per: dict[PatternKey, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for svc, tid, m, n, e in rows:
            per[PatternKey(svc, tid)][m] += n
            per[PatternKey(svc)][m] += e
        grid = np.arange(_epoch(start) // 60 * 60, _epoch(end), 60, dtype=np.int64)
        out: Series = {}
        for key in set(per) | known:
            pts = per.get(key, {})
            first = grid[0] if key in known or not pts else min(pts)
            ts = grid[grid >= first]
            if ts.size == 0:
                continue
            y = np.zeros(ts.size)
            if pts:
                idx = np.searchsorted(ts, list(pts))
                ok = (idx < ts.size) & (ts[np.minimum(idx, ts.size - 1)] == np.array(list(pts)))
                y[idx[ok]] = np.array(list(pts.values()))[ok]
            out[key] = (ts, y)
        return out

    def _eligible(self, key: PatternKey, ts: np.ndarray, y: np.ndarray) -> bool:
        if ts.size < self.min_points:
            return False
        return not key.template_id or float(np.mean(y)) >= self.min_rate

    def _fit_all(self, tenant: str, now: datetime, end: datetime, det: AnomalyDetector) -> None:
        start = end - self.history
        watched = [(svc, tid) for svc, tid, n, first in logstore.volumes(self.store, tenant, start, end)
                   if (_epoch(end) - first) / 60 >= self.min_points
                   and n / ((_epoch(end) - first) / 60) >= self.min_rate]  # fmt: skip
        rows = logstore.minute_counts(self.store, tenant, start, end, ids=sorted({tid for _, tid in watched}))
        wanted = {PatternKey(svc, tid) for svc, tid in watched}
        series = {k: v for k, v in self._series(rows, start, end, set()).items() if k in wanted}
        errors: dict[PatternKey, dict[int, float]] = defaultdict(dict)
        for svc, m, _, e in logstore.service_errors(self.store, tenant, start, end):
            errors[PatternKey(svc)][m] = e
        for key, pts in errors.items():
            ts = np.arange(min(pts), _epoch(end), 60, dtype=np.int64)
            y = np.zeros(ts.size)
            y[np.searchsorted(ts, list(pts))] = list(pts.values())
            series[key] = (ts, y)
        fitted = set()
        for key, (ts, y) in series.items():
            if not self._eligible(key, ts, y):
                continue
            st = self._watch.setdefault((tenant, key), _Watch())
            try:
                st.fitted = det.fit(ts, y)
            except (ValueError, np.linalg.LinAlgError) as exc:
                log.warning("cannot fit %s: %s", key, exc)
                continue
            st.scored_until = max(st.scored_until, int(ts[-1]) + 60)
            fitted.add(key)
        for t, key in [k for k, w in self._watch.items() if k[0] == tenant and k[1] not in fitted and w.firing is None]:
            del self._watch[(t, key)]  # too quiet to watch now (a pattern long gone)
        self._fitted_at[tenant] = now

    def _frequency(self, tenant: str, start: datetime, end: datetime, det: AnomalyDetector) -> list[Signal]:
        window = end - timedelta(minutes=CONTEXT + 30)
        rows = logstore.minute_counts(self.store, tenant, window, end)
        known = {k for (t, k), w in self._watch.items() if t == tenant and w.fitted is not None}
        out: list[Signal] = []
        for key, (ts, y) in sorted(self._series(rows, window, end, known).items(), key=lambda kv: str(kv[0])):
            st = self._watch.setdefault((tenant, key), _Watch())
            if st.fitted is None:
                if not self._eligible(key, ts, y):
                    continue
                try:
                    st.fitted = det.fit(ts, y)  # newly busy: the rolling fallback until the next refit
                except (ValueError, np.linalg.LinAlgError):
                    continue
                st.scored_until = int(ts[-1]) + 60
                continue
            st.scored_until = max(st.scored_until, _epoch(start))
            new = ts >= st.scored_until
            if not new.any():
                continue
            ctx = ~new
            scores, flags = det.score(st.fitted, ts[new], y[new], ts[ctx], y[ctx])
            usual = float(np.median(y[ctx][-CONTEXT:])) if ctx.any() else 0.0
            st.scored_until = int(ts[new][-1]) + 60
            for t, v, sc, fl in zip(ts[new], y[new], scores, flags, strict=True):
                sig = self._step(tenant, key, st, int(t), float(v), usual, float(sc), bool(fl), rows)
                if sig is not None:
                    out.append(sig)
        return out

    def _big(self, key: PatternKey, v: float, usual: float) -> bool:
        """A change a person would care about: `ratio`× and `min_change` lines a minute (errors: up only)."""
        up = v >= self.ratio * usual and v - usual >= self.min_change
        down = bool(key.template_id) and v * self.ratio <= usual and usual - v >= self.min_change
        return up or down

    def _step(self, tenant: str, key: PatternKey, st: _Watch, t: int, v: float, usual: float, score: float,
              flag: bool, rows: list[tuple[str, str, int, int, int]]) -> Signal | None:  # fmt: skip
        at = datetime.fromtimestamp(t + 60, UTC)
        flag = flag and self._big(key, v, usual)
        st.recent = [*st.recent, flag][-FIRE_N:]
        if st.firing is None:
            if sum(st.recent) >= FIRE_K and not self._suppressed(key.series(), at):
                st.firing = self._freq_signal(tenant, key, st, at, v, usual, score, "firing", rows)
                st.normal_run, st.peak = 0, score
                return st.firing
            return None
        st.peak = max(st.peak, score)
        st.normal_run = 0 if flag else st.normal_run + 1
        if st.normal_run >= CLEAR_AFTER:
            resolved = self._freq_signal(tenant, key, st, at, v, usual, score, "resolved", rows)
            st.firing = None
            return resolved
        return None

    def _freq_signal(self, tenant: str, key: PatternKey, st: _Watch, at: datetime, v: float, usual: float,
                     score: float, state: str, rows: list[tuple[str, str, int, int, int]]) -> Signal:  # fmt: skip
        fitted = st.fitted
        assert fitted is not None
        start = st.firing.start if st.firing is not None else at - timedelta(minutes=FIRE_N)
        note = " (short history: rolling baseline)" if fitted.fallback else ""
        evidence: dict[str, Any] = {
            "value": v, "usual": usual, "score": score, "model": fitted.name, "model_reason": fitted.reason,
            "fa_rate": self.fa_rate, "window": f"{FIRE_K} of {FIRE_N} minutes", "unit": "lines/min",
        }  # fmt: skip
        svc = key.service
        if key.template_id:
            rec = self._template(tenant, key)
            text = rec.text if rec else key.template_id
            direction = "spike" if v > usual else "drop"
            verb = "spiked to" if direction == "spike" else "dropped to"
            what = f"log pattern {verb} {v:.0f}/min (usually {usual:.0f})"
            evidence |= {
                "direction": direction,
                "template_id": key.template_id,
                "template": text,
                "sample": rec.sample if rec else "",
                "first_seen": rec.first_seen if rec else None,
            }
            kind, series, query = FREQ_KIND, str(key.series()), logstore.minutes_query(self.store, svc, key.template_id)
            title = f"{svc}: {what if state == 'firing' else 'log pattern back to normal'}: {_short(text)}"
        else:
            evidence |= {"direction": "surge", "error_patterns": self._error_patterns(tenant, svc, rows, start)}
            kind, series, query = ERRORS_KIND, str(key.series()), self._errors_query(svc, start)
            title = (f"{svc}: error logs surged to {v:.0f}/min (usually {usual:.0f})" if state == "firing"
                     else f"{svc}: error logs back to normal")  # fmt: skip
        if state == "firing":
            evidence["metric_anomalies"] = self._coinciding(tenant, svc, start, at)
        return Signal(
            tenant=tenant, source="detector", kind=kind, state=state,  # type: ignore[arg-type]
            service=svc, series=series, title=title + note,
            severity="high" if max(score, st.peak) >= 0.9 else "warning",
            score=round(max(score, st.peak) if state == "firing" else score, 4), start=start, at=at,
            evidence=evidence, query=query, dedup_key=f"{kind}:{tenant}:{series}",
        )  # fmt: skip

    def _template(self, tenant: str, key: PatternKey) -> TemplateRecord | None:
        found = logstore.templates(self.store, tenant, "ServiceName = {s:String} AND TemplateId = {t:String}",
                                   {"s": key.service, "t": key.template_id})  # fmt: skip
        return found.get((key.service, key.template_id))

    def _error_patterns(self, tenant: str, service: str, rows: list[tuple[str, str, int, int, int]],
                        start: datetime) -> list[dict[str, Any]]:  # fmt: skip
        """The templates carrying the service's errors since the surge began (most first)."""
        errs: dict[str, int] = defaultdict(int)
        for svc, tid, m, _, e in rows:
            if svc == service and e and m >= _epoch(start):
                errs[tid] += e
        top = sorted(errs.items(), key=lambda kv: -kv[1])[:5]
        if not top:
            return []
        recs = logstore.templates(self.store, tenant, "ServiceName = {s:String} AND TemplateId IN {ids:Array(String)}",
                                  {"s": service, "ids": [t for t, _ in top]})  # fmt: skip
        return [{"template_id": tid, "template": recs[(service, tid)].text if (service, tid) in recs else tid,
                 "errors": n, "sample": recs[(service, tid)].sample if (service, tid) in recs else ""}
                for tid, n in top]  # fmt: skip

    def _errors_query(self, service: str, start: datetime) -> str:
        since = (start - timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S")
        return (f"SELECT toStartOfMinute(Timestamp) AS m, countIf(SeverityNumber >= {ERROR_SEVERITY}) AS errors, "
                f"count() AS lines FROM {self.store.options.database}.otel_logs WHERE ServiceName = "
                f"{logstore.sql_literal(service)} AND Timestamp >= '{since}' GROUP BY m ORDER BY m")  # fmt: skip

    # -- evidence ---------------------------------------------------------------------------------
    def _cite(self, tenant: str, end: datetime, emitted: list[Signal]) -> list[Signal]:
        """Firing signals sent again, evidence updated, when metric anomalies of their service fire
        within `coincide` after them: the metric detector often confirms a minute or two later."""
        for sig in emitted:
            if sig.state == "firing":
                self._citing.setdefault(sig.dedup_key, (sig, sig.at + self.coincide))
            else:
                self._citing.pop(sig.dedup_key, None)
        out = []
        for key, (sig, until) in list(self._citing.items()):
            if sig.tenant != tenant:
                continue
            if end > until:
                del self._citing[key]
                continue
            cited = self._coinciding(tenant, sig.service, sig.start, end)
            if {a["series"] for a in cited} - {a["series"] for a in sig.evidence.get("metric_anomalies", [])}:
                again = sig.model_copy(update={"id": uuid.uuid4(), "at": end,
                                               "evidence": {**sig.evidence, "metric_anomalies": cited}})  # fmt: skip
                self._citing[key] = (again, until)
                out.append(again)
        return out

    def _coinciding(self, tenant: str, service: str, start: datetime, at: datetime) -> list[dict[str, Any]]:
        """Metric-detector signals of the same service within `coincide` of this one."""
        found = StoreSignals(self.store).recent(tenant, start - self.coincide, at + self.coincide)
        return [{"series": s.series, "title": s.title, "state": s.state, "severity": s.severity, "score": s.score,
                 "at": s.at.isoformat(), "start": s.start.isoformat()}
                for s in found if s.kind == MetricDetector.name and s.service == service]  # fmt: skip

    # -- new patterns -----------------------------------------------------------------------------
    def _announced_before(self, tenant: str, end: datetime) -> dict[str, datetime]:
        """New-pattern signals a previous process already raised (they are not raised twice)."""
        found = StoreSignals(self.store).recent(tenant, end - self.new_window - timedelta(days=1))
        return {s.dedup_key: s.start for s in found if s.kind == NEW_KIND}

    def _new_patterns(self, tenant: str, end: datetime) -> list[Signal]:
        recent = end - self.new_window
        for dedup, first in list(self._announced.items()):
            if first < recent - timedelta(days=1):
                del self._announced[dedup]  # no longer new: it cannot be a candidate again
        cands = logstore.templates(self.store, tenant, "FirstSeen >= {a:DateTime64(3)}", {"a": recent})
        firing = {k: v for k, v in self._new_firing.items() if v[0].tenant == tenant}
        if not cands and not firing:
            return []
        ids = sorted({tid for _, tid in cands} | {key.template_id for _, key in firing.values()})
        quiet_from = end - timedelta(minutes=CLEAR_AFTER)
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for svc, tid, m, n, e in logstore.minute_counts(self.store, tenant, min(recent, quiet_from), end, ids=ids):
            tot = totals[(svc, tid)]
            tot[2] = max(tot[2], m)
            if (svc, tid) in cands and m >= _epoch(cands[(svc, tid)].first_seen):
                tot[0] += n
                tot[1] += e
        out: list[Signal] = []
        since = logstore.service_since(self.store, tenant) if cands else {}
        for (svc, tid), rec in sorted(cands.items(), key=lambda kv: kv[1].first_seen):
            dedup = f"{NEW_KIND}:{tenant}:{svc}:{tid}:{rec.first_seen:%Y%m%dT%H%M}"
            if dedup in self._announced:
                continue
            if svc not in since or rec.first_seen - since[svc] < self.min_baseline:
                continue  # the service is too young: this is its baseline forming
            n, errors, _ = totals.get((svc, tid), [0, 0, 0])
            if n < self.new_min_count and errors < self.new_min_errors:
                continue
            key = PatternKey(svc, tid)
            if self._suppressed(key.series("new"), end):
                continue
            self._announced[dedup] = rec.first_seen
            sig = self._new_signal(tenant, key, rec, n, errors, end, dedup, "firing")
            self._new_firing[dedup] = (sig, key)
            out.append(sig)
        for dedup, (sig, key) in firing.items():
            last = totals.get((key.service, key.template_id), [0, 0, 0])[2]
            if datetime.fromtimestamp(last + 60, UTC) <= quiet_from:
                del self._new_firing[dedup]
                title = f"{key.service}: new log pattern went quiet: {_short(sig.evidence['template'])}"
                out.append(sig.model_copy(update={"id": uuid.uuid4(), "state": "resolved", "at": end, "title": title}))
        return out

    def _new_signal(self, tenant: str, key: PatternKey, rec: TemplateRecord, n: int, errors: int, at: datetime,
                    dedup: str, state: str) -> Signal:  # fmt: skip
        svc = key.service
        severity = _severity(rec.max_severity if not errors else max(rec.max_severity, ERROR_SEVERITY))
        level = "error" if errors else "warning" if rec.max_severity >= WARN_SEVERITY else "info"
        return Signal(
            tenant=tenant, source="detector", kind=NEW_KIND, state=state,  # type: ignore[arg-type]
            service=svc, series=str(key.series("new")),
            title=f"{svc}: new {level} log pattern ({n}× since {rec.first_seen:%H:%M}): {_short(rec.text)}",
            severity=severity,  # type: ignore[arg-type]
            score=0.9 if errors else 0.6, start=rec.first_seen, at=at,
            evidence={"template_id": key.template_id, "template": rec.text, "count": n, "errors": errors,
                      "first_seen": rec.first_seen, "sample": rec.sample, "max_severity": rec.max_severity,
                      "baseline": f"absent from the service's last {self.history.days} days",
                      "metric_anomalies": self._coinciding(tenant, svc, rec.first_seen, at)},
            query=logstore.lines_query(self.store, svc, rec.text), dedup_key=dedup,
        )  # fmt: skip
