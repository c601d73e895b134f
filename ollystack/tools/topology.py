"""Service map tools: the map, its PNG, dependency changes, blast radius with the SLOs at risk,
deployments and the map around one.

Why here: the blast radius needs the SLO registry, and `topology/` may import only the store. This
module joins the two (an SLO is at risk when its service, route or synthetic check is reached by
the trouble) and adds each at-risk SLO's status and remaining budget.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .. import slo, topology
from ..store import Store
from ..topology import BlastRadius, WatchedSLO


def _window(start: datetime | None, end: datetime | None, since: timedelta) -> tuple[datetime, datetime]:
    end = (end or datetime.now(UTC)).astimezone(UTC)
    return (start.astimezone(UTC) if start else end - since), end


def service_map(store: Store, tenant: str, start: datetime | None = None, end: datetime | None = None,
                service: str | None = None, depth: int = 1, since: timedelta = timedelta(hours=1)
                ) -> dict[str, Any]:  # fmt: skip
    """Nodes and edges with calls, errors, p50/p95/p99 and example traces (default: the last hour)."""
    a, b = _window(start, end, since)
    return topology.build_map(store, tenant, a, b, service, depth).to_json()


def service_map_png(store: Store, tenant: str, start: datetime | None = None, end: datetime | None = None,
                    service: str | None = None, depth: int = 1, since: timedelta = timedelta(hours=1)
                    ) -> bytes:  # fmt: skip
    """The map as a PNG to post in chat."""
    a, b = _window(start, end, since)
    return topology.render_png(topology.build_map(store, tenant, a, b, service, depth))


def dependency_changes(store: Store, tenant: str, at: datetime | None = None,
                       recent: timedelta = timedelta(minutes=15), baseline: timedelta = timedelta(days=7)
                       ) -> dict[str, Any]:  # fmt: skip
    """Edges and nodes that appeared or vanished in the recent window against the baseline."""
    when = (at or datetime.now(UTC)).astimezone(UTC)
    return topology.dependency_changes(store, tenant, when, recent, baseline).to_json()


def watched_slos(store: Store, tenant: str) -> dict[str, tuple[WatchedSLO, slo.SLO]]:
    """The tenant's SLOs as the blast radius matches them."""
    out = {}
    for stored in slo.Registry(store).list(tenant):
        s = stored.slo
        watched = WatchedSLO(name=s.name, service=s.service, route=s.sli.route, span_names=list(s.sli.span_names),
                             check=s.sli.check if s.sli.source == "synthetics" else None)  # fmt: skip
        out[s.name] = (watched, s)
    return out


def blast_radius(store: Store, tenant: str, target: str, source: str | None = None, start: datetime | None = None,
                 end: datetime | None = None, since: timedelta = timedelta(hours=1)) -> BlastRadius:  # fmt: skip
    """Who the trouble at `target` (or on the call `source` → `target`) reaches: upstream services,
    entry points and endpoints with their traffic shares, and the SLOs at risk with their budgets."""
    a, b = _window(start, end, since)
    radius = topology.blast_radius(store, tenant, target, a, b, source)
    slos = watched_slos(store, tenant)
    radius.slos_at_risk = topology.slos_at_risk(radius, [w for w, _ in slos.values()])
    if radius.slos_at_risk:
        statuses = slo.evaluate_many(store, tenant, [slos[r.name][1] for r in radius.slos_at_risk], b)
        by_name = {st.slo.name: st for st in statuses}
        for r in radius.slos_at_risk:
            st = by_name.get(r.name)
            if st is not None:
                r.status = st.status.value
                r.error_budget_remaining = st.budget.remaining_fraction
    return radius


def deployments(store: Store, tenant: str, start: datetime | None = None, end: datetime | None = None,
                service: str | None = None, since: timedelta = timedelta(days=1)) -> list[dict[str, Any]]:  # fmt: skip
    """Deployments seen in the telemetry (changes of `service.version`), oldest first."""
    a, b = _window(start, end, since)
    return [d.model_dump(mode="json") for d in topology.SpanVersions(store).deployments(tenant, a, b, service)]


def deploy_comparison(store: Store, tenant: str, service: str, at: datetime | None = None,
                      window: timedelta = timedelta(minutes=30), all_edges: bool = False
                      ) -> dict[str, Any]:  # fmt: skip
    """The service's edges before and after a deployment (its latest of the last day by default):
    calls per minute, error ratio and p95 latency, with their deltas."""
    return topology.compare_deploy(store, tenant, service, at, window, all_edges=all_edges).to_json()
