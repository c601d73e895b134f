"""The live metric anomaly detector: every series of a tenant, scored minute by minute.

Models are fitted on up to 14 days of history and refitted daily (a drifting pattern becomes the
new normal within a day); a series with less history is watched by the rolling fallback, and the
signal says so. A point is anomalous at score >= 0.5 (calibrated to `fa_rate`); a Signal fires
when 3 of the last 5 points are anomalous and resolves after 10 normal minutes, so one odd minute
does not page anyone. Suppression windows silence series during planned work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ..signals import Signal
from ..store import Store
from .anomaly import CONTEXT, AnomalyDetector, Fitted
from .sources import Series, SeriesKey, data_watermark, metric_series, red_series
from .suppressions import Suppression, active

log = logging.getLogger(__name__)
FIRE_K, FIRE_N = 3, 5  # anomalous points among the last N that open a signal
CLEAR_AFTER = 10  # consecutive normal points that resolve it


@dataclass
class _State:
    fitted: Fitted | None = None
    scored_until: int = 0
    recent: list[bool] = field(default_factory=list)
    firing: Signal | None = None
    normal_run: int = 0
    peak: float = 0.0


@dataclass
class MetricDetector:
    store: Store
    fa_rate: float = 1e-4
    history: timedelta = timedelta(days=14)
    retrain: timedelta = timedelta(days=1)
    min_rate: float = 1.0
    min_rate_detail: float = 10.0
    min_points: int = 60  # a series is watched once it has an hour of points
    retrain_short: timedelta = timedelta(hours=1)  # fallback (short-history) models learn hourly
    model: str = "auto"
    lateness: timedelta = timedelta(minutes=2)
    suppressions: list[Suppression] = field(default_factory=list)
    _state: dict[tuple[str, SeriesKey], _State] = field(default_factory=dict, init=False)
    _fitted_at: dict[str, datetime] = field(default_factory=dict, init=False)
    _stored_suppressions: list[Suppression] = field(default_factory=list, init=False)

    name = "metric_anomaly"

    def model_names(self) -> list[str]:
        """The models in use across the series watched (for reports)."""
        return sorted({st.fitted.name for st in self._state.values() if st.fitted is not None})

    def suppress(self, pattern: str, start: datetime, end: datetime, reason: str = "") -> Suppression:
        s = Suppression(pattern, start, end, reason)
        self.suppressions.append(s)
        return s

    def _series(self, tenant: str, start: datetime, end: datetime) -> Series:
        return {**red_series(self.store, tenant, start, end, self.min_rate, self.min_rate_detail),
                **metric_series(self.store, tenant, start, end)}  # fmt: skip

    def _fit_all(self, tenant: str, now: datetime, det: AnomalyDetector) -> None:
        end = now.replace(second=0, microsecond=0)
        for key, (ts, y) in self._series(tenant, end - self.history, end).items():
            st = self._state.setdefault((tenant, key), _State())
            ok = np.isfinite(y)
            if ok.sum() < self.min_points:
                continue
            try:
                st.fitted = det.fit(ts[ok], y[ok])
            except (ValueError, np.linalg.LinAlgError) as exc:
                log.warning("cannot fit %s: %s", key, exc)
                continue
            st.scored_until = max(st.scored_until, int(ts[-1]) + 60)
        self._fitted_at[tenant] = now

    def _scored_end(self, tenant: str, now: datetime) -> datetime | None:
        """Score up to `lateness` ago, and never past the newest telemetry that has arrived: a
        minute nobody has sent yet is not a minute with zero requests."""
        limit = (now - self.lateness).replace(second=0, microsecond=0)
        newest = data_watermark(self.store, tenant, now - timedelta(hours=6), now)
        if newest is None:
            return None
        return min(limit, newest.replace(second=0, microsecond=0))

    def run(self, tenant: str, now: datetime) -> list[Signal]:
        """Score the minutes completed since the last run; returns signals that fired or resolved."""
        det = AnomalyDetector(self.fa_rate, self.model)
        fallback = any(
            st.fitted is not None and st.fitted.fallback for (t, _), st in self._state.items() if t == tenant
        )
        every = self.retrain_short if fallback else self.retrain
        if tenant not in self._fitted_at or now - self._fitted_at[tenant] >= every:
            self._fit_all(tenant, now, det)
        end = self._scored_end(tenant, now)
        if end is None:
            return []
        self._stored_suppressions = active(self.store, tenant, end - timedelta(minutes=CONTEXT + 30))
        series = self._series(tenant, end - timedelta(minutes=CONTEXT + 30), end)
        out: list[Signal] = []
        for key, (ts, y) in series.items():
            st = self._state.setdefault((tenant, key), _State())
            if st.fitted is None:
                ok = np.isfinite(y)
                if ok.sum() < self.min_points:
                    continue
                st.fitted = det.fit(ts[ok], y[ok])  # new series: the rolling fallback until a refit
                st.scored_until = int(ts[ok][-1]) + 60
                continue
            new = ts >= st.scored_until
            if not new.any():
                continue
            ctx = ~new & np.isfinite(y)
            scores, flags = det.score(st.fitted, ts[new], y[new], ts[ctx], y[ctx])
            st.scored_until = int(ts[new][-1]) + 60
            for t, v, sc, fl in zip(ts[new], y[new], scores, flags, strict=True):
                sig = self._step(tenant, key, st, int(t), float(v), float(sc), bool(fl))
                if sig is not None:
                    out.append(sig)
        return out

    def _step(self, tenant: str, key: SeriesKey, st: _State, t: int, v: float, score: float, flag: bool
              ) -> Signal | None:  # fmt: skip
        at = datetime.fromtimestamp(t + 60, UTC)
        st.recent = [*st.recent, flag][-FIRE_N:]
        if st.firing is None:
            windows = [*self.suppressions, *self._stored_suppressions]
            if sum(st.recent) >= FIRE_K and not any(s.covers(key, at) for s in windows):
                st.firing = self._signal(tenant, key, st, at, v, score, "firing")
                st.normal_run, st.peak = 0, score
                return st.firing
            return None
        st.peak = max(st.peak, score)
        st.normal_run = 0 if flag else st.normal_run + 1
        if st.normal_run >= CLEAR_AFTER:
            resolved = self._signal(tenant, key, st, at, v, score, "resolved")
            st.firing = None
            return resolved
        return None

    def _signal(self, tenant: str, key: SeriesKey, st: _State, at: datetime, value: float, score: float,
                state: str) -> Signal:  # fmt: skip
        fitted = st.fitted
        assert fitted is not None
        start = st.firing.start if st.firing is not None else at - timedelta(minutes=FIRE_N)
        severity = "high" if max(score, st.peak) >= 0.9 else "warning"
        what = "back to normal" if state == "resolved" else "is anomalous"
        note = " (short history: rolling baseline)" if fitted.fallback else ""
        query = self._query(key)
        return Signal(
            tenant=tenant, source="detector", kind=self.name, state=state,  # type: ignore[arg-type]
            service=key.service, series=str(key), title=f"{key} {what}{note}", severity=severity,
            score=round(max(score, st.peak) if state == "firing" else score, 4), start=start, at=at,
            evidence={"value": value, "score": score, "model": fitted.name, "model_reason": fitted.reason,
                      "fa_rate": self.fa_rate, "trained_until": fitted.trained_until,
                      "window": f"{FIRE_K} of {FIRE_N} minutes"},
            query=query, dedup_key=f"anomaly:{tenant}:{key}",
        )  # fmt: skip

    def _query(self, key: SeriesKey) -> str:
        """SQL a person (or the agent, through a tenant scope) can run to see the series."""
        db = self.store.options.database
        key = SeriesKey(key.source, _quote(key.service), _quote(key.name), key.measure, key.attrs)
        if key.source == "spans":
            return (f"SELECT toStartOfMinute(Timestamp) m, count(), countIf(StatusCode = 'Error') / count(), "
                    f"quantiles(0.5, 0.95, 0.99)(Duration) / 1e6 FROM {db}.otel_traces WHERE ServiceName = "
                    f"'{key.service}' AND SpanName = '{key.name}' GROUP BY m ORDER BY m")  # fmt: skip
        return (f"SELECT toStartOfMinute(TimeUnix) m, * FROM {db}.otel_metrics_{key.measure} "
                f"WHERE ServiceName = '{key.service}' AND MetricName = '{key.name}' ORDER BY m")  # fmt: skip


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
