"""New and vanished dependencies: the recent map against a baseline window.

Why expectations and not just set differences: traffic follows the day, and a path taken by 1%
of requests is simply absent from a quiet quarter hour. An edge counts as vanished only when it
was regular in the baseline (present in at least `regularity` of the baseline's stretches as long
as the recent window in which its caller was busy)
and, at the caller's current traffic, the recent window should have seen at least `min_expected`
calls, yet saw none while the caller kept serving. An edge is new when it carried at least
`min_calls` calls recently and none in the whole baseline.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from ..store import Store
from .deploys import DeploySource, SpanVersions
from .model import DependencyChanges, Deployment, EdgeChange, NodeChange, TraceLink
from .stored import Stat, edge_stats, node_stats

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def dependency_changes(store: Store, tenant: str, at: datetime, recent: timedelta = timedelta(minutes=15),
                       baseline: timedelta = timedelta(days=7), min_calls: int = 3, min_expected: float = 20.0,
                       regularity: float = 0.5, deploys: DeploySource | None = None) -> DependencyChanges:  # fmt: skip
    """Edges and nodes that appeared in [at - recent, at) or vanished from it, against the
    `baseline` before it. New and vanished edges name a deployment of their caller within the hour
    before, when there was one (an expected change, not a surprise)."""
    at = at.astimezone(UTC).replace(second=0, microsecond=0)
    r0, b0 = at - recent, at - recent - baseline
    rec_edges = edge_stats(store, tenant, r0, at, bucket=MINUTE)
    step = min(max(recent, MINUTE), HOUR)  # presence is judged in stretches as long as the recent window
    base_edges = edge_stats(store, tenant, b0, r0, bucket=step)
    rec_nodes = {s.key[0]: s.calls for s in node_stats(store, tenant, r0, at)}
    base_node_buckets = node_stats(store, tenant, b0, r0, bucket=step)

    # the edges, summed; the callers' activity (requests served, else calls made) per stretch
    recent_by: dict[tuple[str, ...], list[Stat]] = defaultdict(list)
    for s in rec_edges:
        recent_by[s.key].append(s)
    base_calls: dict[tuple[str, ...], int] = defaultdict(int)
    base_present: dict[tuple[str, ...], set[datetime]] = defaultdict(set)
    made: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for s in base_edges:
        base_calls[s.key] += s.calls
        if s.calls and s.bucket is not None:
            base_present[s.key].add(s.bucket)
            made[s.key[0]][s.bucket] += s.calls
    served: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for s in base_node_buckets:
        if s.bucket is not None:
            served[s.key[0]][s.bucket] += s.calls
    busy = {h for per in (*served.values(), *made.values()) for h, n in per.items() if n}

    def activity_base(svc: str) -> dict[datetime, int]:
        return served[svc] if served.get(svc) else made[svc]

    def activity_recent(svc: str) -> int:
        if served.get(svc):
            return rec_nodes.get(svc, 0)
        return sum(s.calls for k, v in recent_by.items() if k[0] == svc for s in v)

    deploy_source = deploys or SpanVersions(store, history=HOUR)
    found: dict[str, Deployment | None] = {}

    def deployed(svc: str) -> Deployment | None:
        """The caller's latest deployment in the hour before the window (asked only about changes)."""
        if svc not in found:
            own = deploy_source.deployments(tenant, r0 - HOUR, at, svc)
            found[svc] = own[-1] if own else None
        return found[svc]

    base_nodes = {k[0] for k in base_calls} | {k[1] for k in base_calls} | set(served)
    rec_node_names = {k[0] for k in recent_by} | {k[1] for k in recent_by} | {n for n, c in rec_nodes.items() if c}
    new_edges, vanished_edges = [], []
    for key, stats in recent_by.items():
        calls = sum(s.calls for s in stats)
        if calls < min_calls or base_calls.get(key, 0) > 0:
            continue
        source, target, kind, target_kind = key
        sample = max(stats, key=lambda s: s.calls)
        err = next((s.error_trace for s in stats if s.error_trace), "")
        new_edges.append(EdgeChange(change="new", source=source, target=target, kind=kind, target_kind=target_kind,  # type: ignore[arg-type]
                                    calls=calls, baseline_calls=0, first_seen=min(s.bucket for s in stats if s.bucket),
                                    new_node=target if target not in base_nodes else None,
                                    deployment=deployed(source),
                                    traces=TraceLink.of(sample.sample_trace, err, sample.slow_trace)))  # fmt: skip
    for key, total in base_calls.items():
        if key in recent_by:
            continue
        source, target, kind, target_kind = key
        per_hour = activity_base(source)
        active = [h for h, n in per_hour.items() if n]
        now_active = activity_recent(source)
        if not active or not now_active:
            continue  # the caller itself is quiet: a vanished node, not a vanished dependency
        if len(base_present[key]) < regularity * len(active):
            continue
        expected = total * now_active / max(sum(per_hour.values()), 1)
        if expected < min_expected:
            continue
        vanished_edges.append(EdgeChange(change="vanished", source=source, target=target, kind=kind,  # type: ignore[arg-type]
                                         target_kind=target_kind, calls=0, baseline_calls=total,
                                         expected_calls=round(expected, 1), deployment=deployed(source)))  # fmt: skip

    kinds = {k[1]: k[3] for k in [*base_calls, *recent_by]}
    kinds.update(dict.fromkeys(set(served) | set(rec_nodes), "service"))
    node_base_calls: dict[str, int] = defaultdict(int)
    node_present: dict[str, set[datetime]] = defaultdict(set)
    for s in base_node_buckets:
        node_base_calls[s.key[0]] += s.calls
        if s.calls and s.bucket:
            node_present[s.key[0]].add(s.bucket)
    for s in base_edges:
        if s.key[3] != "service":
            node_base_calls[s.key[1]] += s.calls
            if s.calls and s.bucket:
                node_present[s.key[1]].add(s.bucket)
    node_recent: dict[str, int] = defaultdict(int, rec_nodes)
    for k, stats in recent_by.items():
        if k[3] != "service":
            node_recent[k[1]] += sum(s.calls for s in stats)
    base_total = sum(n for per in served.values() for n in per.values())
    recent_total = sum(rec_nodes.values())
    new_nodes = [NodeChange(change="new", name=n, kind=kinds.get(n, "service"), calls=node_recent.get(n, 0),  # type: ignore[arg-type]
                            baseline_calls=0)
                 for n in sorted(rec_node_names - base_nodes) if node_recent.get(n, 0) >= min_calls]  # fmt: skip
    vanished_nodes = []
    for n in sorted(base_nodes - rec_node_names):
        if not busy or len(node_present[n]) < regularity * len(busy) or not base_total:
            continue
        expected = node_base_calls[n] * recent_total / base_total
        if expected >= min_expected:
            vanished_nodes.append(NodeChange(change="vanished", name=n, kind=kinds.get(n, "service"),  # type: ignore[arg-type]
                                             calls=0, baseline_calls=node_base_calls[n],
                                             expected_calls=round(expected, 1)))  # fmt: skip
    order = lambda c: (c.source, c.target)  # noqa: E731
    out = DependencyChanges(tenant=tenant, recent_from=r0, recent_to=at, baseline_from=b0, baseline_to=r0,
                             baseline_hours=round(len(busy) * step / HOUR), new_edges=sorted(new_edges, key=order),
                             vanished_edges=sorted(vanished_edges, key=order), new_nodes=new_nodes,
                             vanished_nodes=vanished_nodes)  # fmt: skip
    out._recent = {(k[0], k[1]) for k, stats in recent_by.items() if any(s.calls for s in stats)}
    return out
