"""Deployments, and the service map before and after one.

Why here and not in `deploys/`: that package (GitHub/GitLab deployment tracking) does not exist
yet. Until it does, deployments are read from the telemetry itself: a service whose spans change
their `service.version` was deployed. Everything that needs deployments takes a `DeploySource`,
so the tracker can be passed in instead when it lands.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..store import Store
from ..store.tables import TRACES
from .model import DeployComparison, Deployment, EdgeDelta, TraceLink, Window, ratio
from .stored import Stat, edge_stats, node_stats


class DeploySource(Protocol):
    def deployments(self, tenant: str, start: datetime, end: datetime, service: str | None = None
                    ) -> list[Deployment]: ...  # fmt: skip


class SpanVersions:
    """Deployments seen in spans: the minute a service's prevailing `service.version` changes.

    The deployment time is the first minute the new version answered (a rolling deploy runs both
    versions for a while); a rollback to an older version is a deployment too.
    """

    def __init__(self, store: Store, history: timedelta = timedelta(hours=6)) -> None:
        self.store = store
        self.history = history  # how far before `start` to look for the version it replaced

    def deployments(self, tenant: str, start: datetime, end: datetime, service: str | None = None
                    ) -> list[Deployment]:  # fmt: skip
        params: dict[str, object] = {"lo": start - self.history, "hi": end}
        only = ""
        if service:
            only, params["service"] = "AND ServiceName = {service:String}", service
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT ServiceName, toStartOfMinute(Timestamp) AS m, ResourceAttributes['service.version'] AS v,
                       count()
                FROM {self.store.options.database}.{TRACES}
                WHERE TenantId = {{tenant:String}} AND Timestamp >= {{lo:DateTime64(9)}}
                  AND Timestamp < {{hi:DateTime64(9)}} {only} AND v != ''
                GROUP BY ServiceName, m, v ORDER BY ServiceName, m""",
                params,
            )
            .result_rows
        )
        minutes: dict[str, dict[datetime, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for svc, minute, version, n in rows:
            minutes[svc][minute.replace(tzinfo=UTC)][version] = int(n)
        out = []
        for svc, by_minute in minutes.items():
            order = sorted(by_minute)
            current: str | None = None
            for i, minute in enumerate(order):
                counts = by_minute[minute]
                top = max(sorted(counts), key=lambda v: counts[v])
                if current is not None and top != current:
                    j = i  # the new version answered since the start of its unbroken run of minutes
                    while j > 0 and top in by_minute[order[j - 1]]:
                        j -= 1
                    if start <= order[j] < end:
                        out.append(Deployment(service=svc, version=top, previous_version=current, at=order[j]))
                current = top
        return sorted(out, key=lambda d: (d.at, d.service))


def _window(s: Stat | None, minutes: float) -> Window | None:
    if s is None or not s.calls:
        return None
    return Window(calls=s.calls, errors=s.errors, error_ratio=ratio(s.errors, s.calls),
                  rate_per_min=round(s.calls / minutes, 3), p50_ms=s.p50_ms, p95_ms=s.p95_ms,
                  p99_ms=s.p99_ms)  # fmt: skip


def _delta(key: tuple[str, ...], before: Stat | None, after: Stat | None, mb: float, ma: float) -> EdgeDelta:
    b, a = _window(before, mb), _window(after, ma)
    source, target, kind, target_kind = key
    change = "changed" if a and b else "added" if a else "removed"
    delta = EdgeDelta(source=source, target=target, kind=kind, target_kind=target_kind, change=change,  # type: ignore[arg-type]
                      before=b, after=a)  # fmt: skip
    if a and b:
        delta.rate_ratio = round(a.rate_per_min / b.rate_per_min, 3) if b.rate_per_min else None
        delta.error_ratio_delta = round((a.error_ratio or 0.0) - (b.error_ratio or 0.0), 6)
        delta.p95_delta_ms = round(a.p95_ms - b.p95_ms, 3)
        delta.p95_ratio = round(a.p95_ms / b.p95_ms, 3) if b.p95_ms else None
    s = after or before
    if s is not None:
        delta.traces = TraceLink.of(s.sample_trace, s.error_trace, s.slow_trace)
    return delta


def _impact(d: EdgeDelta) -> float:
    """How much an edge changed, for ordering: new or gone edges first, then errors, then latency."""
    if d.change != "changed":
        return 1e9
    return abs(d.error_ratio_delta or 0.0) * 1000 + abs((d.p95_ratio or 1.0) - 1.0)


def compare_deploy(store: Store, tenant: str, service: str, at: datetime | None = None,
                   window: timedelta = timedelta(minutes=30), now: datetime | None = None,
                   all_edges: bool = False, source: DeploySource | None = None) -> DeployComparison:  # fmt: skip
    """The edges of `service` (or all, `all_edges`) in the `window` before and after a deployment.

    `at` defaults to the service's latest deployment in the last day, from `source` (the
    deployments seen in spans unless a tracker is given). Raises LookupError when there is none.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    found = source or SpanVersions(store)
    deployment = None
    if at is None:
        recent = found.deployments(tenant, now - timedelta(days=1), now, service)
        if not recent:
            raise LookupError(f"no deployment of {service} in the last day; give its time")
        deployment = recent[-1]
        at = deployment.at
    else:
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        near = found.deployments(tenant, at - timedelta(minutes=5), at + timedelta(minutes=5), service)
        deployment = min(near, key=lambda d: abs(d.at - at)) if near else None
    before = (at - window, at)
    after = (at, min(at + window, now))
    if after[1] <= after[0]:
        raise ValueError(f"the deployment at {at.isoformat()} has no data after it yet")
    where, params = ("1", {}) if all_edges else ("Source = {svc:String} OR Target = {svc:String}", {"svc": service})
    mb, ma = (before[1] - before[0]).total_seconds() / 60, (after[1] - after[0]).total_seconds() / 60
    b = {s.key: s for s in edge_stats(store, tenant, *before, where=where, params=params)}
    a = {s.key: s for s in edge_stats(store, tenant, *after, where=where, params=params)}
    deltas = sorted((_delta(k, b.get(k), a.get(k), mb, ma) for k in set(b) | set(a)),
                    key=lambda d: (-_impact(d), d.source, d.target))  # fmt: skip
    own = "Service = {svc:String}"
    nb = node_stats(store, tenant, *before, where=own, params={"svc": service})
    na = node_stats(store, tenant, *after, where=own, params={"svc": service})
    return DeployComparison(tenant=tenant, service=service, at=at, deployment=deployment, before_from=before[0],
                            before_to=before[1], after_from=after[0], after_to=after[1],
                            service_before=_window(nb[0] if nb else None, mb),
                            service_after=_window(na[0] if na else None, ma), edges=deltas)  # fmt: skip
